# Sanitizer and fuzzing instrumentation for every target of this build directory.
#
#   -DTB_SANITIZE=address,undefined   AddressSanitizer + UndefinedBehaviorSanitizer (GCC or
#                                     clang; scripts/sanitize.sh uses build-asan/)
#   -DTB_FUZZ=ON                      libFuzzer coverage on the torch-free layers, ASan+UBSan
#                                     unless TB_SANITIZE says otherwise (clang only;
#                                     scripts/fuzz.sh uses build-fuzz/)
#
# LibTorch from the pip wheel is not instrumented: its own code is not checked, only ours,
# and the runtime options that this needs are in docs/errors.md ("Sanitizers").
set(TB_SANITIZE "" CACHE STRING "Comma-separated -fsanitize= list, e.g. address,undefined (use a build directory of its own)")

if(TB_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "TB_FUZZ needs clang (libFuzzer): configure with CXX=clang++, or run scripts/fuzz.sh")
  endif()
  if(NOT TB_SANITIZE)
    set(TB_SANITIZE address,undefined)
  endif()
  # Coverage feedback for libFuzzer in the libraries; the harnesses link -fsanitize=fuzzer.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(TB_SANITIZE)
  message(STATUS "Sanitizers: ${TB_SANITIZE}")
  # Stop at the first report (UBSan would otherwise print and go on), keep frames readable.
  add_compile_options(-fsanitize=${TB_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${TB_SANITIZE})
endif()
