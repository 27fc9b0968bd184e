# --export-isf PDB > file, then --symbols file on DUMP: the views must be the golden the built-in
# row (and the PDB itself) give. Fails on any exit code but 0 or a difference from GOLDEN.
execute_process(COMMAND ${BINARY} --export-isf ${PDB} OUTPUT_FILE ${OUT} RESULT_VARIABLE rc
                ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "--export-isf ${PDB}: exit ${rc}: ${err}")
endif()
file(READ ${OUT} isf)
string(JSON guid GET "${isf}" metadata windows pdb GUID)
string(JSON rva GET "${isf}" symbols PspCidTable address)
string(JSON size GET "${isf}" user_types _EPROCESS size)
if(NOT size EQUAL 2624)
  message(FATAL_ERROR "sizeof(_EPROCESS) ${size} in the exported ISF, 2624 (0xa40) expected")
endif()
execute_process(COMMAND ${BINARY} ${DUMP} --symbols ${OUT} --view all
                OUTPUT_VARIABLE out RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "--symbols ${OUT}: exit ${rc}: ${err}")
endif()
file(READ ${GOLDEN} want)
if(NOT out STREQUAL want)
  message(FATAL_ERROR "--symbols ${OUT} --view all differs from ${GOLDEN}:\n${out}")
endif()
message(STATUS "ISF of PDB ${guid} (PspCidTable at RVA ${rva}) gives the golden views")
