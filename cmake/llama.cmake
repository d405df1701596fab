# Resolves llama.cpp for rightsize. Three ways, in this order:
#   1. RIGHTSIZE_USE_INSTALLED_LLAMA=ON: find_package(llama) (an installed llama.cpp, e.g. your own
#      GPU build); llama.cpp's comparison tools are then expected on PATH.
#   2. RIGHTSIZE_LLAMA_SOURCE=<dir>: built from that source tree as part of this build.
#   3. default: the pinned source at deps/llama.cpp (scripts/fetch-llama.sh).
# Exposes: target rightsize::llama, variables RIGHTSIZE_LLAMA_VERSION and RIGHTSIZE_LLAMA_COMMIT.

if(RIGHTSIZE_USE_INSTALLED_LLAMA)
  find_package(llama REQUIRED)
  add_library(rightsize_llama INTERFACE)
  target_link_libraries(rightsize_llama INTERFACE llama)
  set(RIGHTSIZE_LLAMA_VERSION "${LLAMA_VERSION}")
  set(RIGHTSIZE_LLAMA_COMMIT "${LLAMA_BUILD_COMMIT}")
  set(RIGHTSIZE_HAVE_LLAMA_TOOLS OFF)
else()
  if(NOT EXISTS "${RIGHTSIZE_LLAMA_SOURCE}/include/llama.h")
    message(FATAL_ERROR
      "llama.cpp source not found at RIGHTSIZE_LLAMA_SOURCE=${RIGHTSIZE_LLAMA_SOURCE}.\n"
      "Run scripts/fetch-llama.sh (or scripts/setup.sh), pass -DRIGHTSIZE_LLAMA_SOURCE=<dir>, "
      "or -DRIGHTSIZE_USE_INSTALLED_LLAMA=ON for an installed llama.cpp.")
  endif()

  # llama.cpp's options, set before its CMakeLists reads them. Static libraries keep
  # build/bin/rightsize self-contained; the tools are built only when named below.
  set(BUILD_SHARED_LIBS OFF CACHE BOOL "" FORCE)
  set(LLAMA_BUILD_COMMON ON CACHE BOOL "" FORCE)
  set(LLAMA_BUILD_TESTS OFF CACHE BOOL "" FORCE)
  set(LLAMA_BUILD_EXAMPLES OFF CACHE BOOL "" FORCE)
  set(LLAMA_BUILD_APP OFF CACHE BOOL "" FORCE)
  set(LLAMA_BUILD_TOOLS ${RIGHTSIZE_LLAMA_TOOLS} CACHE BOOL "" FORCE)
  set(LLAMA_BUILD_SERVER ${RIGHTSIZE_LLAMA_TOOLS} CACHE BOOL "" FORCE)
  set(LLAMA_BUILD_UI OFF CACHE BOOL "" FORCE)
  set(LLAMA_USE_PREBUILT_UI OFF CACHE BOOL "" FORCE)
  set(LLAMA_OPENSSL OFF CACHE BOOL "" FORCE)
  set(LLAMA_BUILD_IS_DEV OFF CACHE BOOL "" FORCE)
  set(LLAMA_ALL_WARNINGS OFF CACHE BOOL "" FORCE)
  # -march=native can enable instructions the CPU advertises but the machine does not allow
  # (AMX under some hypervisors: SIGILL). The portable AVX2/FMA/F16C build is the default;
  # pass -DGGML_NATIVE=ON for a machine-specific build.
  if(NOT DEFINED GGML_NATIVE)
    set(GGML_NATIVE OFF CACHE BOOL "ggml: optimize the build for the current system")
  endif()
  # llama.cpp's RPC backend: --rpc HOST:PORT offloads layers to rpc-server processes on other
  # machines (a model larger than one machine); its ggml-rpc-server is built with the tools.
  set(GGML_RPC ${RIGHTSIZE_RPC} CACHE BOOL "" FORCE)
  if(RIGHTSIZE_CUDA)
    set(GGML_CUDA ON CACHE BOOL "" FORCE)
  endif()

  # The pinned bundle is one squashed commit; read it (and the build number llama.cpp's own
  # tools print) from the checkout rather than relying on llama.cpp's git probing.
  execute_process(COMMAND git -C "${RIGHTSIZE_LLAMA_SOURCE}" rev-parse HEAD
                  OUTPUT_VARIABLE _llama_commit OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE _rc ERROR_QUIET)
  if(NOT _rc EQUAL 0)
    set(_llama_commit "unknown")
  endif()

  add_subdirectory("${RIGHTSIZE_LLAMA_SOURCE}" "${CMAKE_BINARY_DIR}/llama.cpp" EXCLUDE_FROM_ALL)

  add_library(rightsize_llama INTERFACE)
  target_link_libraries(rightsize_llama INTERFACE llama ggml)
  get_directory_property(RIGHTSIZE_LLAMA_VERSION DIRECTORY "${RIGHTSIZE_LLAMA_SOURCE}" DEFINITION LLAMA_VERSION)
  set(RIGHTSIZE_LLAMA_COMMIT "${_llama_commit}")

  if(RIGHTSIZE_LLAMA_TOOLS)
    # llama.cpp's own tools, built from the same source, for the comparisons in bench/.
    set(_tools llama-bench llama-perplexity llama-server)
    if(RIGHTSIZE_RPC)
      list(APPEND _tools ggml-rpc-server)
    endif()
    add_custom_target(llama_tools ALL DEPENDS ${_tools})
    set(RIGHTSIZE_HAVE_LLAMA_TOOLS ON)
  endif()
endif()
add_library(rightsize::llama ALIAS rightsize_llama)
message(STATUS "rightsize: llama.cpp ${RIGHTSIZE_LLAMA_VERSION} (${RIGHTSIZE_LLAMA_COMMIT})")
