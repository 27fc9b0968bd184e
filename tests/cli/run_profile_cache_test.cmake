# The compiled-profile cache (kernel/profile_cache.*) end to end, in a cache folder of its own
# (XDG_CACHE_HOME=WORK/xdg): the binary with ARGS (a ;-list naming --symbols) must print the same
# stdout and exit code
#   1. with --no-cache (and leave the cache folder unmade);
#   2. on the first cached run (which writes the entry: --verbose says so);
#   3. on the second (which reads it);
#   4. after a byte of the entry is flipped (the entry is refused and rebuilt: --verbose says why),
#      and on the run after that (which reads the rebuilt entry);
#   5. after the entry is cut to half (refused and rebuilt);
#   6. with XDG_CACHE_HOME naming a file, where no folder can be made (no cache, same output);
# and --show-profile must read the symbol file itself (no cache note).
include(${CMAKE_CURRENT_LIST_DIR}/output_checks.cmake)
unset(ENV{_NT_SYMBOL_PATH})
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(ENV{XDG_CACHE_HOME} ${WORK}/xdg)
separate_arguments(ARG_LIST UNIX_COMMAND "${ARGS}")

function(run_case label out_var err_var)
  execute_process(COMMAND ${BINARY} ${ARG_LIST} ${ARGN}
                  WORKING_DIRECTORY ${WORKDIR}
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  set(${out_var} "${out}" PARENT_SCOPE)
  set(${err_var} "${err}" PARENT_SCOPE)
  set(${label}_rc "${rc}" PARENT_SCOPE)
endfunction()

function(expect_same label out err)
  if(NOT "${${label}_rc}" STREQUAL "${reference_rc}")
    message(FATAL_ERROR "${label}: exit code ${${label}_rc}, --no-cache gave ${reference_rc}\n${err}")
  endif()
  if(NOT "${out}" STREQUAL "${reference}")
    file(WRITE ${WORK}/${label}.out "${out}")
    file(WRITE ${WORK}/reference.out "${reference}")
    message(FATAL_ERROR "${label}: stdout differs from the --no-cache run: "
                        "diff -u ${WORK}/reference.out ${WORK}/${label}.out\nstderr:\n${err}")
  endif()
endfunction()

function(expect_note label err text)
  string(FIND "${err}" "${text}" pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "${label}: stderr lacks \"${text}\":\n${err}")
  endif()
endfunction()

run_case(reference reference reference_err --no-cache -v)
if(EXISTS ${WORK}/xdg)
  message(FATAL_ERROR "--no-cache made ${WORK}/xdg")
endif()
string(FIND "${reference_err}" "profile cache" pos)
if(NOT pos EQUAL -1)
  message(FATAL_ERROR "--no-cache used the cache:\n${reference_err}")
endif()

run_case(cold out err -v)
expect_same(cold "${out}" "${err}")
expect_note(cold "${err}" "written for")
file(GLOB entries ${WORK}/xdg/dumpprocs/*)
list(LENGTH entries n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "expected one entry in ${WORK}/xdg/dumpprocs, found: ${entries}")
endif()

run_case(warm out err -v)
expect_same(warm "${out}" "${err}")
expect_note(warm "${err}" "read from")

execute_process(COMMAND ${PYTHON} -c
  "import sys; p=sys.argv[1]; b=bytearray(open(p,'rb').read()); b[len(b)//2]^=0x10; open(p,'wb').write(b)"
  ${entries} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "could not flip a byte of ${entries}")
endif()
run_case(flipped out err -v)
expect_same(flipped "${out}" "${err}")
expect_note(flipped "${err}" "not used, rebuilt")
expect_note(flipped "${err}" "checksum")
run_case(after_flip out err -v)
expect_same(after_flip "${out}" "${err}")
expect_note(after_flip "${err}" "read from")

execute_process(COMMAND ${PYTHON} -c
  "import sys; p=sys.argv[1]; b=open(p,'rb').read(); open(p,'wb').write(b[:len(b)//2])"
  ${entries} RESULT_VARIABLE rc)
run_case(cut out err -v)
expect_same(cut "${out}" "${err}")
expect_note(cut "${err}" "not used, rebuilt")

file(WRITE ${WORK}/not-a-folder "")
set(ENV{XDG_CACHE_HOME} ${WORK}/not-a-folder)
run_case(unwritable out err -v)
expect_same(unwritable "${out}" "${err}")
expect_note(unwritable "${err}" "not written")
set(ENV{XDG_CACHE_HOME} ${WORK}/xdg)

# --show-profile lists every member of the file: it reads the file, not the cache.
list(FILTER ARG_LIST EXCLUDE REGEX "^--(view|format)$|^(all|json|csv|text)$")
execute_process(COMMAND ${BINARY} ${ARG_LIST} --show-profile -v
                WORKING_DIRECTORY ${WORKDIR}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
string(FIND "${err}" "profile cache" pos)
if(NOT pos EQUAL -1)
  message(FATAL_ERROR "--show-profile used the cache:\n${err}")
endif()
