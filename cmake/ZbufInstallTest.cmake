# zbuf: the install.consumer test, run as `cmake -D... -P ZbufInstallTest.cmake` by CTest.
#
# Installs the built tree into a prefix inside the build directory, then proves that a program outside the
# tree can use it in both supported ways and that the result runs:
#   1. CMake: ref/tests/consumer/ with find_package(zbuf CONFIG), linked to zbuf::zbuf and zbuf::zbuf_static;
#   2. pkg-config: ref/tests/consumer/main.c compiled with `pkg-config --cflags --libs zbuf`.
#
# Inputs (-D): BUILD_DIR, SOURCE_DIR, WORK_DIR, LIBDIR (relative install libdir), C_COMPILER, GENERATOR,
# MAKE_PROGRAM, CONFIG (may be empty), PKG_CONFIG (may be empty: that part is then reported and skipped),
# SANITIZE_FLAGS (;-list, the flags the library was built with; the consumer needs them to link).

foreach(var BUILD_DIR SOURCE_DIR WORK_DIR LIBDIR C_COMPILER GENERATOR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "ZbufInstallTest.cmake: -D${var}=... is required")
  endif()
endforeach()

set(prefix "${WORK_DIR}/prefix")
set(consumer_build "${WORK_DIR}/consumer")
set(config_args "")
if(CONFIG)
  set(config_args --config "${CONFIG}")
endif()

# Runs a command, echoing it; stops the test with its output when it fails.
function(run_step what)
  string(REPLACE ";" " " shown "${ARGN}")
  message(STATUS "install.consumer: ${what}: ${shown}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install.consumer: ${what} failed (exit ${rc}):\n${out}")
  endif()
  message(STATUS "install.consumer: ${what}: ok\n${out}")
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

run_step("install" "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}" ${config_args})

foreach(f include/zbuf/zbuf.h include/zbuf/dlpack.h ${LIBDIR}/cmake/zbuf/zbufConfig.cmake
          ${LIBDIR}/cmake/zbuf/zbufConfigVersion.cmake ${LIBDIR}/pkgconfig/zbuf.pc ${LIBDIR}/libzbuf.a)
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "install.consumer: ${prefix}/${f} was not installed")
  endif()
endforeach()

# ---- 1. CMake consumer ----
string(REPLACE ";" " " san "${SANITIZE_FLAGS}")
set(configure_args -S "${SOURCE_DIR}/ref/tests/consumer" -B "${consumer_build}" -G "${GENERATOR}"
    "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_C_COMPILER=${C_COMPILER}" "-DCMAKE_C_FLAGS=${san}"
    "-DCMAKE_EXE_LINKER_FLAGS=${san}")
if(MAKE_PROGRAM)
  list(APPEND configure_args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
if(CONFIG)
  list(APPEND configure_args "-DCMAKE_BUILD_TYPE=${CONFIG}")
endif()
run_step("configure consumer" "${CMAKE_COMMAND}" ${configure_args})

# The consumer must have found this install, not another zbuf on the machine.
file(STRINGS "${consumer_build}/CMakeCache.txt" zbuf_dir_line REGEX "^zbuf_DIR:")
string(REGEX REPLACE "^zbuf_DIR:[A-Z]+=" "" zbuf_dir "${zbuf_dir_line}")
file(REAL_PATH "${zbuf_dir}" zbuf_dir)
file(REAL_PATH "${prefix}" real_prefix)
string(FIND "${zbuf_dir}" "${real_prefix}/" at)
if(NOT at EQUAL 0)
  message(FATAL_ERROR "install.consumer: find_package(zbuf) found ${zbuf_dir}, not the test prefix ${prefix}")
endif()

run_step("build consumer" "${CMAKE_COMMAND}" --build "${consumer_build}" ${config_args})

set(exe_dir "${consumer_build}")
if(CONFIG AND EXISTS "${consumer_build}/${CONFIG}")
  set(exe_dir "${consumer_build}/${CONFIG}")
endif()
run_step("run consumer (shared)" "${exe_dir}/zbuf_consumer")
run_step("run consumer (static)" "${exe_dir}/zbuf_consumer_static")

# ---- 2. pkg-config consumer ----
if(NOT PKG_CONFIG)
  message(STATUS "install.consumer: pkg-config not found at configure time; the pkg-config check is skipped")
  return()
endif()
set(ENV{PKG_CONFIG_PATH} "${prefix}/${LIBDIR}/pkgconfig")
execute_process(COMMAND "${PKG_CONFIG}" --cflags --libs zbuf RESULT_VARIABLE rc OUTPUT_VARIABLE pc_flags
                ERROR_VARIABLE pc_err OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "install.consumer: pkg-config --cflags --libs zbuf failed:\n${pc_err}")
endif()
message(STATUS "install.consumer: pkg-config --cflags --libs zbuf: ${pc_flags}")
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
run_step("compile with pkg-config flags" "${C_COMPILER}" -std=c11 ${SANITIZE_FLAGS}
         "${SOURCE_DIR}/ref/tests/consumer/main.c" -o "${WORK_DIR}/zbuf_consumer_pkgconfig" ${pc_flags})
run_step("run consumer (pkg-config)" "${CMAKE_COMMAND}" -E env "LD_LIBRARY_PATH=${prefix}/${LIBDIR}"
         "${WORK_DIR}/zbuf_consumer_pkgconfig")
