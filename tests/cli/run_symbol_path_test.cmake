# End to end through a symbol store (issue 18): a dump whose kernel some real PDB describes, read
# with only that PDB in a symbol-server folder, offline.
#   1. the PDB's GUID, age and nt!PspCidTable RVA come from `dumpprocs --export-isf PDB` (the
#      exported ISF is kept: it is one of the ways read below);
#   2. dumpgen writes SCENARIO with that GUID/age in its RSDS record and PspCidTable at that RVA;
#   3. the PDB is put in a symbol store (ntkrnlmp.pdb/<GUID><AGE>/ntkrnlmp.pdb), in a two-tier
#      store (index2.txt, nt/ntkrnlmp.pdb/...) and, with CAB=1, compressed as ntkrnlmp.pd_;
#   4. dumpprocs ARGS must give the same stdout and exit code through --symbol-path (with a URL
#      that must be ignored with one notice), through _NT_SYMBOL_PATH, through the exported ISF,
#      through the two-tier store, through the CAB, and (with BUILTIN=1) through the built-in row
#      with no symbols at all. GOLDEN, when given, is that stdout (DUMPPROCS_UPDATE_GOLDEN=1
#      rewrites it). --show-profile through the store must name the PDB, its GUID/age and "pdb".
include(${CMAKE_CURRENT_LIST_DIR}/output_checks.cmake)
unset(ENV{_NT_SYMBOL_PATH})
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

execute_process(COMMAND ${BINARY} --export-isf ${PDB} OUTPUT_FILE ${WORK}/exported.json
                ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "--export-isf ${PDB} failed (${rc}): ${err}")
endif()
file(READ ${WORK}/exported.json isf)
string(JSON guid GET "${isf}" metadata windows pdb GUID)
string(JSON age GET "${isf}" metadata windows pdb age)
string(JSON cid_rva GET "${isf}" symbols PspCidTable address)
math(EXPR age_hex "${age}" OUTPUT_FORMAT HEXADECIMAL)
string(REPLACE "0x" "" age_hex "${age_hex}")
string(TOUPPER "${age_hex}" age_hex)

execute_process(COMMAND ${DUMPGEN} --scenario ${SCENARIO} --out ${WORK}/kernel.dmp
                        --pdb-guid ${guid} --pdb-age ${age} --psp-cid-table-rva ${cid_rva}
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "dumpgen failed (${rc}): ${err}")
endif()

set(store ${WORK}/store)
file(MAKE_DIRECTORY ${store}/ntkrnlmp.pdb/${guid}${age_hex})
file(COPY_FILE ${PDB} ${store}/ntkrnlmp.pdb/${guid}${age_hex}/ntkrnlmp.pdb)
set(two_tier ${WORK}/store2)
file(MAKE_DIRECTORY ${two_tier}/nt/ntkrnlmp.pdb/${guid}${age_hex})
file(WRITE ${two_tier}/index2.txt "")
file(COPY_FILE ${PDB} ${two_tier}/nt/ntkrnlmp.pdb/${guid}${age_hex}/ntkrnlmp.pdb)

separate_arguments(ARG_LIST UNIX_COMMAND "${ARGS}")
set(url https://msdl.microsoft.com/download/symbols)
# name;command...: each way of reading, its stdout, stderr and exit code kept under its name.
set(ways srv env isf two_tier)
set(srv_cmd ${BINARY} ${WORK}/kernel.dmp ${ARG_LIST} --symbol-path "srv*${store}*${url}")
set(env_cmd ${BINARY} ${WORK}/kernel.dmp ${ARG_LIST}) # with _NT_SYMBOL_PATH set, below
set(isf_cmd ${BINARY} ${WORK}/kernel.dmp ${ARG_LIST} --symbols ${WORK}/exported.json)
set(two_tier_cmd ${BINARY} ${WORK}/kernel.dmp ${ARG_LIST} --symbol-path ${two_tier})
if(CAB)
  set(cab_store ${WORK}/cabstore)
  file(MAKE_DIRECTORY ${cab_store}/ntkrnlmp.pdb/${guid}${age_hex})
  execute_process(COMMAND ${CAB} --create --nopath --zip
                          ${cab_store}/ntkrnlmp.pdb/${guid}${age_hex}/ntkrnlmp.pd_
                          ${store}/ntkrnlmp.pdb/${guid}${age_hex}/ntkrnlmp.pdb
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${CAB} failed (${rc}): ${err}")
  endif()
  # --export-isf reads the cabinet too, to the same ISF file.
  execute_process(COMMAND ${BINARY} --export-isf
                          ${cab_store}/ntkrnlmp.pdb/${guid}${age_hex}/ntkrnlmp.pd_
                  OUTPUT_VARIABLE cab_isf RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT "${cab_isf}" STREQUAL "${isf}")
    message(FATAL_ERROR "--export-isf of the .pd_ (exit ${rc}) differs from the PDB's: ${err}")
  endif()
  list(APPEND ways cab)
  set(cab_cmd ${BINARY} ${WORK}/kernel.dmp ${ARG_LIST} --symbol-path "symsrv*symsrv.dll*${cab_store}*${url}")
endif()
if(BUILTIN)
  list(APPEND ways builtin)
  set(builtin_cmd ${BINARY} ${WORK}/kernel.dmp ${ARG_LIST})
endif()
foreach(way ${ways})
  if(way STREQUAL "env")
    set(ENV{_NT_SYMBOL_PATH} "cache*${WORK}/cache;srv*${store}")
  endif()
  execute_process(COMMAND ${${way}_cmd} OUTPUT_VARIABLE ${way}_out ERROR_VARIABLE ${way}_err
                  RESULT_VARIABLE ${way}_rc)
  unset(ENV{_NT_SYMBOL_PATH})
endforeach()

string(FIND "${srv_err}" "--symbol-path: ${url} ignored; dumpprocs never uses the network" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR "--symbol-path with a URL: no notice that it is ignored:\n${srv_err}")
endif()
foreach(way ${ways})
  if(NOT "${${way}_rc}" STREQUAL "${srv_rc}" OR NOT "${${way}_out}" STREQUAL "${srv_out}")
    file(WRITE ${WORK}/srv.out "${srv_out}")
    file(WRITE ${WORK}/${way}.out "${${way}_out}")
    message(FATAL_ERROR "${way} (exit ${${way}_rc}) differs from the symbol store (exit "
                        "${srv_rc}): diff -u ${WORK}/srv.out ${WORK}/${way}.out\n"
                        "stderr:\n${${way}_err}")
  endif()
  string(FIND "${${way}_err}" "symbols of another build" pos)
  if(NOT pos EQUAL -1)
    message(FATAL_ERROR "${way}: the PDB was not this kernel's:\n${${way}_err}")
  endif()
endforeach()
if(NOT "${srv_rc}" STREQUAL "${EXIT}")
  message(FATAL_ERROR "exit code ${srv_rc}, ${EXIT} expected\nstdout:\n${srv_out}\n"
                      "stderr:\n${srv_err}")
endif()
if(GOLDEN)
  if("$ENV{DUMPPROCS_UPDATE_GOLDEN}" STREQUAL "1")
    file(WRITE ${GOLDEN} "${srv_out}")
  else()
    file(READ ${GOLDEN} expected)
    if(NOT "${srv_out}" STREQUAL "${expected}")
      file(WRITE ${GOLDEN}.actual "${srv_out}")
      message(FATAL_ERROR "stdout differs from ${GOLDEN}: diff -u ${GOLDEN} ${GOLDEN}.actual\n"
                          "stderr:\n${srv_err}")
    endif()
  endif()
endif()

execute_process(COMMAND ${BINARY} ${WORK}/kernel.dmp --show-profile --symbol-path ${store}
                OUTPUT_VARIABLE profile ERROR_VARIABLE err RESULT_VARIABLE rc)
set(pdb_place ${store}/ntkrnlmp.pdb/${guid}${age_hex}/ntkrnlmp.pdb)
foreach(want "Profile ntkrnlmp.pdb (PDB)" "Data: PDB ${pdb_place} (${guid}-${age})"
             "Chosen by: symbol-path: " "_EPROCESS.ActiveProcessLinks" "(pdb)")
  string(FIND "${profile}" "${want}" pos)
  if(pos EQUAL -1 OR NOT rc EQUAL 0)
    message(FATAL_ERROR "--show-profile (exit ${rc}) lacks \"${want}\":\n${profile}\n${err}")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK})
