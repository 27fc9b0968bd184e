# Project-wide warning flags. CI configures with -DDUMPPROCS_WERROR=ON.
function(dumpprocs_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion -Wnon-virtual-dtor)
  if(DUMPPROCS_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
