# Sanitizers for a checking build (the `asan` preset; docs/reliability.md).
#   RIGHTSIZE_SANITIZE=address,undefined   the -fsanitize= list; empty (the default): none
#   RIGHTSIZE_SANITIZE_LLAMA=ON            instrument llama.cpp and ggml as well
# The flags are directory-wide compile and link options: the top-level CMakeLists.txt includes
# this file after llama.cpp's subdirectory, so only the targets defined afterwards (rightsize's
# library, CLI, fixture, tests and bench programs) are instrumented, unless
# RIGHTSIZE_SANITIZE_LLAMA asks for this file before it. Allocations are intercepted process-wide
# either way, so our own reads past the end of a buffer llama.cpp allocated are still reported.

if(RIGHTSIZE_SANITIZE)
  set(_rs_sanitize "-fsanitize=${RIGHTSIZE_SANITIZE}")
  if(RIGHTSIZE_SANITIZE MATCHES "undefined")
    # GCC leaves these out of "undefined"; a float-to-int conversion out of range is UB too.
    string(APPEND _rs_sanitize ",float-cast-overflow")
  endif()
  # Every finding stops the process (UBSan would otherwise print and carry on, and the test pass).
  add_compile_options(${_rs_sanitize} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(${_rs_sanitize})
  if(RIGHTSIZE_SANITIZE_LLAMA)
    message(STATUS "rightsize: sanitizers ${RIGHTSIZE_SANITIZE} on rightsize and llama.cpp")
  else()
    message(STATUS "rightsize: sanitizers ${RIGHTSIZE_SANITIZE} on rightsize (llama.cpp uninstrumented)")
  endif()
  unset(_rs_sanitize)
endif()
