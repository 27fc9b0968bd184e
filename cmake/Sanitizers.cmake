# -DDUMPPROCS_SANITIZE=ON builds everything with AddressSanitizer and UndefinedBehaviorSanitizer.
option(DUMPPROCS_SANITIZE "Build with ASan and UBSan" OFF)
if(DUMPPROCS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
