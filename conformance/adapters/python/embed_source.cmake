# Turns a text file into a C array, so that the adapter's Python half ships inside the plugin and can never be
# out of step with its C half. Run as: cmake -DIN=file.py -DOUT=file.c -DSYMBOL=name -P embed_source.cmake
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x..,){24})" "\\1\n  " bytes "${bytes}")
get_filename_component(name "${IN}" NAME)
file(WRITE "${OUT}.tmp"
  "/* Generated from ${name} by embed_source.cmake; edit the .py file, not this one. */\n"
  "#include <stddef.h>\n"
  "const unsigned char ${SYMBOL}[] = {\n  ${bytes}0x00};\n"
  "const size_t ${SYMBOL}_size = sizeof ${SYMBOL} - 1;\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
