# zbuf: detection of the optional parts (CUDA, hwloc, Google Benchmark, Python).
#
# Each part gets an option ZBUF_WITH_<PART> whose default is ON when its dependency is found, and one configure
# line saying what was found and whether the part is ON. Asking for a part whose dependency is missing
# (-DZBUF_WITH_CUDA=ON on a machine without nvcc) is a configure error, not a silent OFF, so that a CI job that
# needs a part cannot pass without it.
#
# What each part provides when ON:
#   ZBUF_WITH_CUDA       the CUDA language is enabled, CUDA::cudart exists (CUDAToolkit)
#   ZBUF_WITH_HWLOC      the imported target PkgConfig::HWLOC (global)
#   ZBUF_WITH_BENCHMARK  the imported target benchmark::benchmark
#   ZBUF_WITH_MPI        the imported target MPI::MPI_C (zbuf-bench and zbuf-conform as MPI ranks: fleet/)
#   ZBUF_WITH_PYTHON     Python3_EXECUTABLE, Python3::Python (embedding) and Python3::Module; numpy and
#                        matplotlib import in that interpreter

include(CheckLanguage)

# Declares option ZBUF_WITH_<part> defaulting to `found`, prints the one line, and fails when the option was
# turned ON by hand although the dependency is missing.
function(zbuf_optional_part part found detail)
  if(found)
    set(default ON)
    set(what "found (${detail})")
  else()
    set(default OFF)
    set(what "not found (${detail})")
  endif()
  option(ZBUF_WITH_${part} "Build the parts that need ${part}; ON by default when found" ${default})
  if(ZBUF_WITH_${part})
    set(state ON)
  else()
    set(state OFF)
  endif()
  message(STATUS "zbuf: ${part} ${what}: ZBUF_WITH_${part}=${state}")
  if(ZBUF_WITH_${part} AND NOT found)
    message(FATAL_ERROR "ZBUF_WITH_${part}=ON but ${part} was not found (${detail}); install it (scripts/setup) "
                        "or configure with -DZBUF_WITH_${part}=OFF")
  endif()
endfunction()

# ---- CUDA: a working nvcc (check_language compiles a test program; no GPU is needed to build) ----
check_language(CUDA)
if(CMAKE_CUDA_COMPILER)
  zbuf_optional_part(CUDA TRUE "${CMAKE_CUDA_COMPILER}")
else()
  zbuf_optional_part(CUDA FALSE "no working CUDA compiler; set CMAKE_CUDA_COMPILER or put nvcc on PATH")
endif()
if(ZBUF_WITH_CUDA)
  # Architectures the reference kernels are compiled for when the user does not choose: Turing (the oldest
  # CUDA 13 supports), Ampere and Hopper, the last also as PTX so that newer GPUs can JIT it.
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES AND NOT DEFINED ENV{CUDAARCHS})
    set(CMAKE_CUDA_ARCHITECTURES 75-real 80-real 90 CACHE STRING "CUDA architectures to compile for")
  endif()
  enable_language(CUDA)
  set(CMAKE_CUDA_STANDARD 17)
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  find_package(CUDAToolkit REQUIRED)
endif()

# ---- hwloc, through pkg-config ----
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(HWLOC QUIET IMPORTED_TARGET GLOBAL hwloc)
endif()
if(HWLOC_FOUND)
  zbuf_optional_part(HWLOC TRUE "hwloc ${HWLOC_VERSION}")
elseif(PKG_CONFIG_FOUND)
  zbuf_optional_part(HWLOC FALSE "pkg-config knows no hwloc; install libhwloc-dev")
else()
  zbuf_optional_part(HWLOC FALSE "pkg-config is missing")
endif()

# ---- Google Benchmark (Debian: libbenchmark-dev ships a CMake config) ----
find_package(benchmark CONFIG QUIET)
if(benchmark_FOUND)
  zbuf_optional_part(BENCHMARK TRUE "benchmark ${benchmark_VERSION} in ${benchmark_DIR}")
else()
  zbuf_optional_part(BENCHMARK FALSE "no benchmarkConfig.cmake; install libbenchmark-dev")
endif()

# ---- MPI (Debian: openmpi-bin, libopenmpi-dev): the fleet mode of zbuf-bench and zbuf-conform ----
find_package(MPI QUIET COMPONENTS C)
if(MPI_C_FOUND)
  zbuf_optional_part(MPI TRUE "MPI ${MPI_C_VERSION} at ${MPI_C_HEADER_DIR}")
else()
  zbuf_optional_part(MPI FALSE "no MPI C library; install libopenmpi-dev")
endif()

# ---- Python 3: interpreter + development files (embedding), numpy and matplotlib importable ----
# The interpreter first on PATH wins, as in scripts/setup, which installs numpy and matplotlib into it.
if(NOT DEFINED Python3_EXECUTABLE)
  find_program(ZBUF_PATH_PYTHON3 NAMES python3 NO_CACHE)
  if(ZBUF_PATH_PYTHON3)
    set(Python3_EXECUTABLE "${ZBUF_PATH_PYTHON3}")
  endif()
endif()
find_package(Python3 QUIET COMPONENTS Interpreter Development)
set(ZBUF_PYTHON_OK FALSE)
if(Python3_Interpreter_FOUND AND Python3_Development_FOUND)
  execute_process(
    COMMAND "${Python3_EXECUTABLE}" -c "import numpy, matplotlib; print(numpy.__version__, matplotlib.__version__)"
    RESULT_VARIABLE rc OUTPUT_VARIABLE versions ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(rc EQUAL 0)
    string(REPLACE " " ", matplotlib " versions "${versions}")
    set(ZBUF_PYTHON_OK TRUE)
    set(detail "Python ${Python3_VERSION} at ${Python3_EXECUTABLE}, numpy ${versions}")
  else()
    set(detail "Python ${Python3_VERSION} at ${Python3_EXECUTABLE} cannot import numpy and matplotlib")
  endif()
elseif(Python3_Interpreter_FOUND)
  set(detail "Python ${Python3_VERSION} at ${Python3_EXECUTABLE} has no development files (headers, libpython)")
else()
  set(detail "no Python 3 interpreter")
endif()
zbuf_optional_part(PYTHON ${ZBUF_PYTHON_OK} "${detail}")
