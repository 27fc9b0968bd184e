# The malformed-dump corpus (testdata/bad/, written by tests/bad/make_bad.py from the mm428
# sample): every case must end with its documented exit code and a message that names what is
# wrong, never a crash, hang or silent success. docs/robustness.md explains the checks.
function(bad_case name args code text)
  dumpprocs_cli_test(NAME bad.${name} ARGS "${args}" EXIT ${code} STDERR_CONTAINS "${text}")
endfunction()

# Files that are not dumps at all.
bad_case(empty "bad/empty.dmp" 1 "the file is empty")
bad_case(directory "bad/directory.dmp" 1 "bad/directory.dmp is a directory with no dump files")
bad_case(symlink_loop "bad/symlink_loop.dmp" 1 "cannot open: Too many levels of symbolic links")
bad_case(device "bad/device.dmp" 1 "not a regular file")
bad_case(missing "bad/no-such.dmp" 1 "cannot open: No such file or directory")
bad_case(text "bad/text.dmp" 1 "not a Windows crash dump: first bytes 74 68 69 73")
bad_case(signature_only "bad/signature_only.dmp" 1 "not a Windows crash dump: first bytes 50 41 47 45")
bad_case(minidump "bad/minidump.dmp" 1 "a user-mode minidump (MDMP)")
bad_case(pagedump32 "bad/pagedump32.dmp" 1 "32-bit (PAGEDUMP) crash dumps are not supported")
bad_case(wrong_valid "bad/wrong_valid.dmp" 1 "PAGE followed by 0x32335544, not DU64")

# Cut at every structure boundary of the header, and inside the page data.
foreach(cut 0x8 0x88 0x348 0xf98 0x1fff)
  bad_case(cut_${cut} "bad/cut_${cut}.dmp" 1 "read of 8192 bytes at file offset 0x0 runs past the end (only ${cut} bytes")
endforeach()
bad_case(cut_0x2000 "bad/cut_0x2000.dmp" 1 "the page table holding its PML4E (physical 0x100f80) is not in the dump")
bad_case(cut_0x2000_warns "bad/cut_0x2000.dmp" 1 "file truncated: 339968 of 348160 bytes are missing (97.6%): the file ends at 0x2000")
bad_case(cut_0x2000_blames_cut "bad/cut_0x2000.dmp" 1 "the likely cause is the damaged file, not the symbols: file truncated")
bad_case(cut_mid_page "bad/cut_mid_page.dmp" 1 "the file ends at 0x5800 but its pages run to 0x55000; 0x50 of the 0x53 pages the header lists (96.4%) lie past the end")
bad_case(cut_half_forced "bad/cut_half.dmp --profile 7601c" 3 "view active is incomplete")
bad_case(cut_half_names_page "bad/cut_half.dmp --profile 7601c" 3 "which is not in the dump")
bad_case(cut_half_unconfirmed "bad/cut_half.dmp" 3 "is not confirmed on this dump")
bad_case(cut_half_no_hidden "bad/cut_half.dmp --fail-on-hidden" 3 "view active is incomplete")

# Dump types and machines that hold no usable physical memory.
bad_case(type2_summary "bad/type2_summary.dmp" 1 "legacy summary dump (DumpType 2) is not supported")
bad_case(type3_header_only "bad/type3_header_only.dmp" 1 "header only dump (DumpType 3) holds no physical memory")
dumpprocs_cli_test(NAME bad.type3_info ARGS "bad/type3_header_only.dmp --info" STDOUT_CONTAINS "header only")
bad_case(type7_automatic "bad/type7_automatic.dmp" 1 "unsupported dump type 0x7 (automatic) at file offset 0xf98")
bad_case(type_unknown "bad/type_unknown.dmp" 1 "unsupported dump type 0x2a")
bad_case(triage_cut "bad/triage_cut.dmp" 1 "triage dump too short for its TRIAGE_DUMP64 header at 0x2000")
bad_case(machine_x86 "bad/machine_x86.dmp" 1 "machine type 0x14c (not x64)")

# Run lists (DumpType 1).
bad_case(runs_filler "bad/runs_filler.dmp" 1 "run descriptor at file offset 0x88 is still the PAGE filler")
bad_case(runs_zero "bad/runs_zero.dmp" 1 "runs add up to 0x0")
bad_case(runs_44 "bad/runs_44.dmp" 1 "NumberOfRuns 44 at file offset 0x88: at most 43 runs")
bad_case(runs_overflow "bad/runs_overflow.dmp" 1 "NumberOfRuns 4294967295 at file offset 0x88")
bad_case(run_absurd_count "bad/run_absurd_count.dmp" 1 "run 0 at file offset 0x98: base page 0x100 / count 0x20000000000 is absurd")
bad_case(run_absurd_base "bad/run_absurd_base.dmp" 1 "base page 0x20000000000 / count 0x53 is absurd")
bad_case(run_overlap "bad/run_overlap.dmp" 1 "run 1 at file offset 0xa8 (PFN 0x110) overlaps or precedes")
bad_case(run_descending "bad/run_descending.dmp" 1 "run 1 at file offset 0xa8 (PFN 0x10) overlaps or precedes")
bad_case(run_starts_past_end "bad/run_starts_past_end.dmp" 1 "run 2 at file offset 0xb8 starts past the end of the file")
bad_case(run_past_end "bad/run_past_end.dmp" 3 "0xfffad of the 0x100000 pages the header lists (100.0%) lie past the end")
bad_case(run_max_count "bad/run_max_count.dmp" 3 "of the 0x10000000000 pages the header lists")
bad_case(pages_mismatch "bad/pages_mismatch.dmp" 0 "NumberOfPages at file offset 0x90 is 0x3039 but the runs add up to 0x53")

# Bitmap dumps (DumpType 5) re-packed from the same pages.
dumpprocs_cli_test(NAME bad.bitmap_ok ARGS "bad/bitmap_ok.dmp --view active" STDOUT_CONTAINS "System")
bad_case(bitmap_cut_0x2000 "bad/bitmap_cut_0x2000.dmp" 1 "read of 56 bytes at file offset 0x2000 runs past the end")
bad_case(bitmap_cut_summary "bad/bitmap_cut_summary.dmp" 1 "bitmap of 0x153 bits (file offset 0x2030) does not fit in the file (0x2038 bytes)")
bad_case(bitmap_cut_bitmap "bad/bitmap_cut_bitmap.dmp" 1 "does not fit in the file (0x2040 bytes)")
bad_case(bitmap_cut_pages "bad/bitmap_cut_pages.dmp" 1 "the file ends at 0xd000 but its pages run to 0x56000; 0x49 of the 0x53 pages")
bad_case(bitmap_bad_signature "bad/bitmap_bad_signature.dmp" 1 "without its SDMP/FDMP + DUMP header at file offset 0x2000")
bad_case(bitmap_size_zero "bad/bitmap_size_zero.dmp" 1 "bitmap of 0x0 bits")
bad_case(bitmap_size_huge "bad/bitmap_size_huge.dmp" 1 "bitmap of 0x10000000000 bits (file offset 0x2030) does not fit")
bad_case(bitmap_size_overflow "bad/bitmap_size_overflow.dmp" 1 "bitmap of 0xffffffffffffffff bits")
bad_case(bitmap_pages_mismatch "bad/bitmap_pages_mismatch.dmp" 1 "the bitmap has 0x53 bits set but the header (file offset 0x2028) says 0x7 pages")
bad_case(bitmap_more_pages_than_file "bad/bitmap_more_pages_than_file.dmp" 1 "0x100 of the 0x153 pages the header lists (75.5%) lie past the end")
bad_case(bitmap_first_page_unaligned "bad/bitmap_first_page_unaligned.dmp" 1 "first page offset 0x3010 (file offset 0x2020) is not page aligned")
bad_case(bitmap_first_page_past_end "bad/bitmap_first_page_past_end.dmp" 1 "first page offset 0x100000")

# RDMP dumps (DumpType 8).
dumpprocs_cli_test(NAME bad.rdmp_ok ARGS "bad/rdmp_ok.dmp --view mm" STDOUT_CONTAINS "15 entries, complete")
bad_case(rdmp_cut "bad/rdmp_cut_0x2010.dmp" 1 "read of 32 bytes at file offset 0x2000 runs past the end")
bad_case(rdmp_bad_signature "bad/rdmp_bad_signature.dmp" 1 "DumpType 0x8 without its RDMP header at 0x2000")
bad_case(rdmp_metadata_mismatch "bad/rdmp_metadata_mismatch.dmp" 1 "MetadataSize 0x20 and FirstPageOffset 0x3000 disagree")
bad_case(rdmp_overlap "bad/rdmp_overlap.dmp" 1 "RDMP range at file offset 0x2040 overlaps")
bad_case(rdmp_count_overflow "bad/rdmp_count_overflow.dmp" 1 "RDMP range at file offset 0x2040: base page 0x200 / count 0xffffffffffffffff is absurd")
bad_case(rdmp_absurd_base "bad/rdmp_absurd_base.dmp" 1 "base page 0xfffffffffffff / count 0x1 is absurd")

# Header fields pointing at nothing.
bad_case(dtb_missing "bad/dtb_missing.dmp" 1 "the page table holding its PML4E (physical 0x7ffff80) is not in the dump")
bad_case(dtb_zero "bad/dtb_zero.dmp" 1 "(physical 0xf80) is not in the dump")
bad_case(no_active_head_no_kdbg "bad/no_active_head_no_kdbg.dmp" 0 "the header gives no PsActiveProcessHead; using DirectoryTableBase")
dumpprocs_cli_test(NAME bad.processors_huge ARGS "bad/processors_huge.dmp --cpus" STDOUT_CONTAINS "No.1  PrimaryProcess->0xFFFFF80002C1FE80")

# Page tables: a PDPTE that points back at the PML4, a PML4E that points at itself.
bad_case(pt_cycle_pdpte "bad/pt_cycle_pdpte.dmp" 1 "ActiveProcessLinks failed: 0xfffff80002c1f010 is not mapped: PDE at physical 0x1000b0")
bad_case(pt_self_pml4e "bad/pt_self_pml4e.dmp" 1 "0xfffff80002c1f010 is not mapped: PDPTE at physical 0x100000 is not present")
dumpprocs_cli_test(NAME bad.pt_self_read_physical ARGS "bad/pt_self_pml4e.dmp --read 0x100f80 --physical --length 8"
                   STDOUT_CONTAINS "00100f80  63 00 10 00 00 00 00 00")

# Kernel lists: what was walked before the break is still reported, with exit code 3.
bad_case(flink_noncanonical "bad/flink_noncanonical.dmp" 3 "Flink of 0xfffffa80110251e8 is 0x800000000000, not a kernel address")
bad_case(flink_user_pointer "bad/flink_user_pointer.dmp" 3 "Flink of 0xfffffa80110251e8 is 0x7ffe0000, not a kernel address")
bad_case(flink_missing_page "bad/flink_missing_page.dmp" 3 "is 0xfffff6fb7dd10000, which cannot be read")
bad_case(flink_cycle "bad/flink_cycle.dmp" 3 "cycle: Flink of 0xfffffa80110271e8 returns to 0xfffffa80110251e8 without coming back to the head")
bad_case(flink_self "bad/flink_self.dmp" 3 "cycle: Flink of 0xfffffa80110251e8 returns to 0xfffffa80110251e8")
dumpprocs_cli_test(NAME bad.flink_cycle_partial ARGS "bad/flink_cycle.dmp --view active" EXIT 3
                   STDOUT_CONTAINS "(12 entries, INCOMPLETE)")
dumpprocs_cli_test(NAME bad.flink_cycle_keeps_entries ARGS "bad/flink_cycle.dmp --view active"
                   EXIT 3 STDOUT_CONTAINS "smss.exe")
bad_case(flink_cycle_validate "bad/flink_cycle.dmp --validate-list 0xfffff80002c1f010" 3 "")
bad_case(mm_flink_cycle "bad/mm_flink_cycle.dmp" 1 "row 7601c: MmProcessLinks ring failed: 0xfffffa8011025488->Flink 0xfffffa8011025488")
bad_case(mm_flink_cycle_forced "bad/mm_flink_cycle.dmp --profile 7601c --trust-profile" 3 "view mm is incomplete (2 warnings): cycle")
# Without --trust-profile, a forced row whose checks meet a contradiction is refused (exit 1).
bad_case(mm_flink_user_refused "bad/mm_flink_user_pointer.dmp --profile 7601c" 1 "--profile 7601c does not fit this dump: MmProcessLinks ring failed")
bad_case(mm_flink_user_forced "bad/mm_flink_user_pointer.dmp --profile 7601c --trust-profile" 3 "Flink of 0xfffffa8011025488 is 0x7ffe0000, not a kernel address")
bad_case(head_flink_noncanonical "bad/head_flink_noncanonical.dmp" 1 "first entry 0x7ffffffffe78 is not readable")
bad_case(head_flink_forced "bad/head_flink_noncanonical.dmp --profile 7601c --trust-profile" 3 "Flink of 0xfffff80002c1f010 is 0x800000000000, not a kernel address")

# PspCidTable.
bad_case(handle_level_code_3 "bad/handle_level_code_3.dmp" 3 "TableCode 0xfffffa8011048003 has level code 3, not 0..2")
bad_case(handle_table_missing "bad/handle_table_missing.dmp" 3 "handle table leaf page 0xfffff6fb7dd10000 (handles 0x0..): 0xfffff6fb7dd10000 is not mapped")
bad_case(handle_directory_self "bad/handle_directory_self.dmp" 3 "handle table leaf page 0xfffffa8011048000 (handles 0x0..) is the same memory as an earlier one; skipped")

# Symbol files given with --symbols.
bad_case(isf_not_json "win7sp1_7601c_mm428.dmp --symbols bad/isf_not_json.json" 1 "bad/isf_not_json.json: not JSON")
bad_case(isf_no_eprocess "win7sp1_7601c_mm428.dmp --symbols bad/isf_no_eprocess.json" 1 "lacks members the views need: _KPROCESS.Header")
bad_case(isf_type_without_fields "win7sp1_7601c_mm428.dmp --symbols bad/isf_type_without_fields.json" 1 "type _EPROCESS has no size or no fields")
bad_case(isf_corrupt_xz "win7sp1_7601c_mm428.dmp --symbols bad/isf_corrupt.json.xz" 1 "corrupt xz data")
bad_case(isf_bomb "win7sp1_7601c_mm428.dmp --symbols bad/isf_bomb.json.xz" 1 "decompresses to more than 64 MiB")
bad_case(isf_endless "win7sp1_7601c_mm428.dmp --symbols /dev/zero" 1 "/dev/zero: larger than 64 MiB")
bad_case(isf_missing "win7sp1_7601c_mm428.dmp --symbols bad/no-such.json" 1 "cannot open the symbol file")
bad_case(isf_directory "win7sp1_7601c_mm428.dmp --symbols bad/directory.dmp" 1 "no ISF file of the kernel's PDB 0A1B2C3D4E5F60718293A4B5C6D7E8F9-1 in it")

# Symbol files are hostile input (issue 13 item 6): the 7601c layout written as an ISF by
# make_bad.py works, and each structural defect is refused before any offset is used, with exit
# code 1 and the type and member named.
dumpprocs_cli_test(NAME bad.isf_generated_ok ARGS "win7sp1_7601c_mm428.dmp --symbols bad/isf_7601c.json --view active"
                   STDOUT_CONTAINS "System")
set(_past "_EPROCESS.ImageFileName offset 0x7fffffff + 15 bytes lies past sizeof(_EPROCESS) 0x4f8")
bad_case(isf_member_past_type "win7sp1_7601c_mm428.dmp --symbols bad/isf_member_past_type.json" 1 "${_past}")
bad_case(isf_member_past_type_xz "win7sp1_7601c_mm428.dmp --symbols bad/isf_member_past_type.json.xz" 1 "${_past}")
bad_case(isf_member_past_type_scan "win7sp1_7601c_mm428.dmp --symbols bad/isf_member_past_type.json --view scan" 1 "${_past}")
bad_case(isf_eprocess_0x40 "win7sp1_7601c_mm428.dmp --symbols bad/isf_eprocess_0x40.json --view scan" 1
         "_EPROCESS.UniqueProcessId offset 0x180 + 8 bytes lies past sizeof(_EPROCESS) 0x40")
bad_case(isf_size_absurd "win7sp1_7601c_mm428.dmp --symbols bad/isf_size_absurd.json" 1
         "sizeof(_EPROCESS) 0x7fffffff is absurd (at most 0x2000)")
bad_case(isf_size_zero "win7sp1_7601c_mm428.dmp --symbols bad/isf_size_zero.json" 1 "sizeof(_EPROCESS) is 0")
bad_case(isf_offset_negative "win7sp1_7601c_mm428.dmp --symbols bad/isf_offset_negative.json" 1
         "_EPROCESS.ActiveProcessLinks: offset -8 is negative")
bad_case(isf_offset_huge "win7sp1_7601c_mm428.dmp --symbols bad/isf_offset_huge.json" 1
         "_EPROCESS.UniqueProcessId: offset 0x100000180 is too large")
bad_case(isf_pointer_for_array "win7sp1_7601c_mm428.dmp --symbols bad/isf_pointer_for_array.json" 1
         "_EPROCESS.ImageFileName is a pointer (unsigned char) where the tool reads a char array")
bad_case(isf_array_for_list "win7sp1_7601c_mm428.dmp --symbols bad/isf_array_for_list.json" 1
         "_EPROCESS.ActiveProcessLinks is a char array (unsigned char) where the tool reads an embedded _LIST_ENTRY")
bad_case(isf_struct_for_pointer "win7sp1_7601c_mm428.dmp --symbols bad/isf_struct_for_pointer.json" 1
         "_KTHREAD.Process is a struct (_LIST_ENTRY) where the tool reads a pointer or 64-bit integer")
bad_case(isf_bit_outside "win7sp1_7601c_mm428.dmp --symbols bad/isf_bit_outside.json" 1
         "_EPROCESS.ProcessInserted bits 40..40 do not fit in its 4-byte container")
bad_case(isf_bit_position_huge "win7sp1_7601c_mm428.dmp --symbols bad/isf_bit_position_huge.json" 1
         "_EPROCESS.ProcessDelete: bit_position 0x12c is too large")
bad_case(isf_kprocess_member_past "win7sp1_7601c_mm428.dmp --symbols bad/isf_kprocess_member_past.json" 1
         "_KPROCESS.DirectoryTableBase offset 0x160 + 8 bytes lies past sizeof(_KPROCESS) 0x160")
bad_case(isf_symbol_huge "win7sp1_7601c_mm428.dmp --symbols bad/isf_symbol_huge.json" 1
         "symbol PspCidTable RVA 0x10000000000 lies past the largest kernel image")

# Bytes from the dump never break the output (issue 13 item 7): the kernel section holding Idle
# is ".data_\xb0", the PDB name "ntkrnlmp\xb0pdb", smss.exe's ImageFileName "sm\xb0s.exe". Every
# format prints the byte as \xb0 (the JSON renderers used to abort with type_error 316).
dumpprocs_cli_test(NAME bad.names_not_utf8.text ARGS "bad/names_not_utf8.dmp" GOLDEN names_not_utf8_all.txt)
dumpprocs_cli_test(NAME bad.names_not_utf8.json ARGS "bad/names_not_utf8.dmp --format json" GOLDEN names_not_utf8_all.json)
dumpprocs_cli_test(NAME bad.names_not_utf8.jsonl ARGS "bad/names_not_utf8.dmp --format jsonl" GOLDEN names_not_utf8_all.jsonl)
dumpprocs_cli_test(NAME bad.names_not_utf8.csv ARGS "bad/names_not_utf8.dmp --format csv" GOLDEN names_not_utf8_all.csv)
dumpprocs_cli_test(NAME bad.names_not_utf8.info ARGS "bad/names_not_utf8.dmp --info" GOLDEN names_not_utf8_info.txt)
dumpprocs_cli_test(NAME bad.names_not_utf8.info_json ARGS "bad/names_not_utf8.dmp --info --format json" GOLDEN names_not_utf8_info.json)
dumpprocs_cli_test(NAME bad.names_not_utf8.info_csv ARGS "bad/names_not_utf8.dmp --info --format csv" GOLDEN names_not_utf8_info.csv)

find_program(DUMPPROCS_PYTHON3 python3)
# A dump file name that is not UTF-8 (made at test time) is printed as \xb0 in JSON, not an abort.
if(DUMPPROCS_PYTHON3)
  add_test(NAME cli.bad.file_name_not_utf8
           COMMAND ${DUMPPROCS_PYTHON3} ${PROJECT_SOURCE_DIR}/tests/cli/check_odd_name.py
                   $<TARGET_FILE:dumpprocs> ${DUMPPROCS_TESTDATA}/win7sp1_7601c_mm428.dmp
                   ${CMAKE_CURRENT_BINARY_DIR})
endif()

# testdata/bad must be what tests/bad/make_bad.py writes today.
find_program(DUMPPROCS_PYTHON3 python3)
if(DUMPPROCS_PYTHON3)
  add_test(NAME cli.bad.corpus_current
           COMMAND ${DUMPPROCS_PYTHON3} ${PROJECT_SOURCE_DIR}/tests/bad/make_bad.py
                   --dumpprocs $<TARGET_FILE:dumpprocs> --check)
endif()

# A file the user may not read (made at test time: git keeps no mode 000).
add_test(NAME cli.bad.unreadable
         COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:dumpprocs>
                 -DWORKDIR=${CMAKE_CURRENT_BINARY_DIR} -P ${PROJECT_SOURCE_DIR}/tests/cli/run_unreadable_test.cmake)

# The triage dump's saved driver list, damaged (cases from testdata/real/triage_x64.dmp): what can
# be read is listed, the rest named by file offset, exit 3.
bad_case(triage_drivers_cut "bad/triage_drivers_cut.dmp --modules" 3
         "does not fit between DriverListOffset 0x10828 and the end of the file at 0x10de8; reading the 10 that do")
bad_case(triage_drivers_cut_names "bad/triage_drivers_cut.dmp --modules" 3
         "No. 0 (file offset 0x10828): name unreadable: read of 4 bytes at file offset 0x15d18 runs past the end")
bad_case(triage_driver_count_huge "bad/triage_driver_count_huge.dmp --modules" 3
         "DriverCount 4294967295 (TRIAGE_DUMP64 at 0x2034) does not fit between DriverListOffset 0x10828 and StringPoolOffset 0x15d18; reading the 151 that do")
bad_case(triage_driver_name_huge "bad/triage_driver_name_huge.dmp --modules" 3
         "DUMP_STRING at file offset 0x15d18 claims 4294967280 characters, past the end of the file")
bad_case(triage_unloaded_count_huge "bad/triage_unloaded_count_huge.dmp --modules" 3
         "unloaded-driver count at file offset 0x20d0 is 1000, more than the kernel keeps (50)")
bad_case(triage_drivers_cut_info "bad/triage_drivers_cut.dmp --info" 0 "triage data block 0 lies past the end of the file")
