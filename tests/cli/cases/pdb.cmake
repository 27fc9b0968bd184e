# --symbols with a PDB (issue 18). The malformed PDBs of testdata/bad (tests/bad/make_bad.py) are
# refused with exit 1 and a message naming the file; the stand-in kernel's real PDB (built at test
# time from tests/pdb/standin_kernel_19041.c with the 19041 row's layout, see tests/CMakeLists.txt)
# gives the built-in row's offsets and views on the 19041 sample. Its GUID is not the sample
# kernel's (BBED7C29...-1), which the tool says, and its offsets still validate on the dump.
dumpprocs_cli_test(NAME bad.pdb_not_msf ARGS "win7sp1_7601c_mm428.dmp --symbols bad/pdb_not_msf.pdb"
                   EXIT 1 STDERR_CONTAINS "bad/pdb_not_msf.pdb: not a PDB file (no MSF 7.00 signature at offset 0)")
dumpprocs_cli_test(NAME bad.pdb_truncated ARGS "win7sp1_7601c_mm428.dmp --symbols bad/pdb_truncated.pdb"
                   EXIT 1 STDERR_CONTAINS "bad/pdb_truncated.pdb: malformed MSF")
dumpprocs_cli_test(NAME bad.pdb_garbage ARGS "win7sp1_7601c_mm428.dmp --symbols bad/pdb_garbage.pdb"
                   EXIT 1 STDERR_CONTAINS "bad/pdb_garbage.pdb: malformed")

if(DUMPPROCS_STANDIN_PDB)
  # Every field of the built-in 19041 row, same offset and bit from the PDB.
  add_test(NAME cli.profile.pdb_matches_builtin
           COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:dumpprocs>
                   -DDUMP=${DUMPPROCS_TESTDATA}/dkom_19041.dmp -DISF=${DUMPPROCS_STANDIN_PDB}
                   -P ${CMAKE_CURRENT_LIST_DIR}/../compare_isf_profile.cmake)
  # The same views as the built-in row (the golden the built-in row and the ISF file give).
  dumpprocs_cli_test(NAME profile.pdb.views ARGS "dkom_19041.dmp --symbols ${DUMPPROCS_STANDIN_PDB} --view all"
                     GOLDEN dkom_19041_all.txt
                     STDERR_CONTAINS "but this kernel's debug record (RSDS) names BBED7C2955FBE4522AAA23F4B8677AD9-1: the symbols of another build")
  dumpprocs_cli_test(NAME profile.pdb.show_profile ARGS "dkom_19041.dmp --symbols ${DUMPPROCS_STANDIN_PDB} --show-profile"
                     STDOUT_CONTAINS "PDB ${DUMPPROCS_STANDIN_PDB} (")
  # A folder that holds only another kernel's PDB: refused, saying where the right one would be.
  dumpprocs_cli_test(NAME profile.pdb.store_without_kernel ARGS "dkom_19041.dmp --symbols ${DUMPPROCS_PDB_DIR}"
                     EXIT 1 STDERR_CONTAINS "ntkrnlmp.pdb/BBED7C2955FBE4522AAA23F4B8677AD91/ntkrnlmp.pdb")
endif()

if(DUMPPROCS_STANDIN_PDB)
  # --dt with PDB symbols prints every member the PDB has, not only those of the built-in row.
  dumpprocs_cli_test(NAME profile.pdb.dt ARGS "dkom_19041.dmp --symbols ${DUMPPROCS_STANDIN_PDB} --dt _EPROCESS 0xffffe00011020060"
                     STDOUT_CONTAINS "+0x464 ProcessInserted  : 0y1")
  dumpprocs_cli_test(NAME profile.pdb.dt_unnamed_members ARGS "dkom_19041.dmp --symbols ${DUMPPROCS_STANDIN_PDB} --dt _EPROCESS 0xffffe00011020060"
                     STDOUT_CONTAINS "+0x460 RefTraceEnabled  : 0y0")
  # --export-isf: the PDB as a Volatility 3 ISF file, which --symbols reads back to the same views.
  add_test(NAME cli.profile.pdb.export_isf_views
           COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:dumpprocs> -DPDB=${DUMPPROCS_STANDIN_PDB}
                   -DOUT=${CMAKE_CURRENT_BINARY_DIR}/standin_export.json
                   -DDUMP=${DUMPPROCS_TESTDATA}/dkom_19041.dmp
                   -DGOLDEN=${DUMPPROCS_TESTDATA}/golden/dkom_19041_all.txt
                   -P ${CMAKE_CURRENT_LIST_DIR}/../run_export_isf_test.cmake)
  dumpprocs_cli_test(NAME profile.pdb.export_isf_two ARGS "--export-isf ${DUMPPROCS_STANDIN_PDB} ${DUMPPROCS_STANDIN_PDB}"
                     EXIT 2 STDERR_CONTAINS "--export-isf takes one PDB file, not 2")
endif()
dumpprocs_cli_test(NAME profile.pdb.export_isf_not_pdb ARGS "--export-isf bad/pdb_not_msf.pdb"
                   EXIT 1 STDERR_CONTAINS "bad/pdb_not_msf.pdb: not a PDB file")

if(DUMPPROCS_STANDIN_CXX_PDB)
  # The Microsoft-shaped records (unique names, forward references) give the same views.
  dumpprocs_cli_test(NAME profile.pdb_cxx.views ARGS "dkom_19041.dmp --symbols ${DUMPPROCS_STANDIN_CXX_PDB} --view all"
                     GOLDEN dkom_19041_all.txt STDERR_CONTAINS "the symbols of another build")
endif()

if(DUMPPROCS_STANDIN_PDB)
  # End to end through a symbol store (tests/cli/run_symbol_path_test.cmake): the dump's RSDS
  # names the stand-in PDB; --symbol-path, _NT_SYMBOL_PATH, the exported ISF, a two-tier store and
  # the built-in row must all give the 19041 golden.
  add_test(NAME cli.profile.symbol_path.known_layout
           COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:dumpprocs> -DDUMPGEN=$<TARGET_FILE:dumpgen>
                   -DPDB=${DUMPPROCS_STANDIN_PDB} -DSCENARIO=dkom_19041 "-DARGS=--view all"
                   -DEXIT=0 -DBUILTIN=1 -DGOLDEN=${DUMPPROCS_TESTDATA}/golden/dkom_19041_all.txt
                   -DWORK=${CMAKE_CURRENT_BINARY_DIR}/symbol_path_known
                   -P ${CMAKE_CURRENT_LIST_DIR}/../run_symbol_path_test.cmake)
  # A layout no built-in row knows (every _EPROCESS member after Pcb moved by 0x48): read end to
  # end only through its PDB (without it: profile.no_match).
  add_test(NAME cli.profile.symbol_path.unknown_layout
           COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:dumpprocs> -DDUMPGEN=$<TARGET_FILE:dumpgen>
                   -DPDB=${DUMPPROCS_SHIFTED_PDB} -DSCENARIO=no_layout_match_19999
                   "-DARGS=--view all" -DEXIT=0
                   -DGOLDEN=${DUMPPROCS_TESTDATA}/golden/pdb_unknown_layout_all.txt
                   -DWORK=${CMAKE_CURRENT_BINARY_DIR}/symbol_path_unknown
                   -P ${CMAKE_CURRENT_LIST_DIR}/../run_symbol_path_test.cmake)
  if(DUMPPROCS_GCAB)
    # The same, and also through the PDB compressed as ntkrnlmp.pd_ (a cabinet made by gcab).
    add_test(NAME cli.profile.symbol_path.cab
             COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:dumpprocs> -DDUMPGEN=$<TARGET_FILE:dumpgen>
                     -DPDB=${DUMPPROCS_SHIFTED_PDB} -DSCENARIO=no_layout_match_19999
                     "-DARGS=--view all" -DEXIT=0 -DCAB=${DUMPPROCS_GCAB}
                     -DGOLDEN=${DUMPPROCS_TESTDATA}/golden/pdb_unknown_layout_all.txt
                     -DWORK=${CMAKE_CURRENT_BINARY_DIR}/symbol_path_cab
                     -P ${CMAKE_CURRENT_LIST_DIR}/../run_symbol_path_test.cmake)
  endif()
endif()
# A symbol path whose folders do not hold the kernel's PDB: the built-in rows, with a notice.
dumpprocs_cli_test(NAME profile.symbol_path.not_found ARGS "dkom_19041.dmp --view all --symbol-path srv*bad*https://msdl.microsoft.com/download/symbols"
                   GOLDEN dkom_19041_all.txt
                   STDERR_CONTAINS "the kernel's PDB BBED7C2955FBE4522AAA23F4B8677AD9-1 is in none of bad (a store keeps it as ntkrnlmp.pdb/BBED7C2955FBE4522AAA23F4B8677AD91/ntkrnlmp.pdb); built-in rows used")

if(DUMPPROCS_STANDIN_PDB)
  # --dt with a PDB opens embedded structs two levels deep, as WinDbg's dt -r2: _EPROCESS.Pcb's
  # own members, and the dispatcher header inside it (System's object type is 3).
  dumpprocs_cli_test(NAME profile.pdb.dt_nested ARGS "dkom_19041.dmp --symbols ${DUMPPROCS_STANDIN_PDB} --dt _EPROCESS 0xffffe00011020060"
                     STDOUT_CONTAINS "   +0x000 Pcb              : _KPROCESS\n      +0x000 Header           : _DISPATCHER_HEADER\n         +0x000 Lock             : 0n917507\n         +0x000 LockNV           : 0n917507\n         +0x000 Type             : 0x3\n")
  # The pattern picks the type's own members; the picked struct still shows its members.
  dumpprocs_cli_test(NAME profile.pdb.dt_nested_pattern ARGS "dkom_19041.dmp --symbols ${DUMPPROCS_STANDIN_PDB} --dt _EPROCESS 0xffffe00011020060 Active*Links"
                     STDOUT_CONTAINS "   +0x448 ActiveProcessLinks : _LIST_ENTRY [ 0xffffe000`110254a8 - 0xfffff804`7c202010 ]\n      +0x000 Flink            : 0xffffe000`110254a8 Ptr64 _LIST_ENTRY\n      +0x008 Blink            : 0xfffff804`7c202010 Ptr64 _LIST_ENTRY\n")
endif()

if(DUMPPROCS_MSFT_PDB)
  # Microsoft's record shape (tests/pdb/msft_shape.py: <unnamed-tag>/<anonymous-tag> names, no
  # nested-type records, members at forward references, signed negative enumerators): every field
  # of the 19041 row, and the same views as the built-in row.
  add_test(NAME cli.profile.pdb_msft_matches_builtin
           COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:dumpprocs>
                   -DDUMP=${DUMPPROCS_TESTDATA}/dkom_19041.dmp -DISF=${DUMPPROCS_MSFT_PDB}
                   -P ${CMAKE_CURRENT_LIST_DIR}/../compare_isf_profile.cmake)
  dumpprocs_cli_test(NAME profile.pdb_msft.views ARGS "dkom_19041.dmp --symbols ${DUMPPROCS_MSFT_PDB} --view all"
                     GOLDEN dkom_19041_all.txt STDERR_CONTAINS "the symbols of another build")
  dumpprocs_cli_test(NAME profile.pdb_msft.dt ARGS "dkom_19041.dmp --symbols ${DUMPPROCS_MSFT_PDB} --dt _EPROCESS 0xffffe00011020060 Process*"
                     STDOUT_CONTAINS "   +0x464 ProcessInserted  : 0y1\n")
endif()

if(DUMPPROCS_STANDIN_PDB)
  # A PDB read through the compiled-profile cache prints what --no-cache prints (profiles.cmake).
  add_test(NAME cli.profile.cache.pdb_all
           COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:dumpprocs> -DPYTHON=${Python3_EXECUTABLE}
                   "-DARGS=dkom_19041.dmp --symbols ${DUMPPROCS_STANDIN_PDB} --view all"
                   -DWORK=${CMAKE_CURRENT_BINARY_DIR}/profile_cache_pdb_all
                   -DWORKDIR=${DUMPPROCS_TESTDATA}
                   -P ${CMAKE_CURRENT_LIST_DIR}/../run_profile_cache_test.cmake)
endif()
