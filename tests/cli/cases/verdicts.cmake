# Issue "HIDDEN means hidden": verdicts hold on mismatched symbols, forced rows and runs that
# cannot judge. (Cut and zeroed dumps: truncated.cmake and the property test.)
set(ISF_7601 ../data/windows-symbols/isf_jpcert/22597D0B40394E23936F6A24C6C52D5B-1.json.xz)
set(ISF_DIR ../data/windows-symbols/isf_jpcert)

# The symbols of another build: the GUID mismatch is named, the failed checks too, exit 1.
dumpprocs_cli_test(NAME verdicts.wrong_isf ARGS "dkom_19041.dmp --symbols ${ISF_7601}" EXIT 1
                   STDERR_CONTAINS "this kernel's debug record (RSDS) names BBED7C2955FBE4522AAA23F4B8677AD9-1: the symbols of another build")
dumpprocs_cli_test(NAME verdicts.wrong_isf_checks ARGS "dkom_19041.dmp --symbols ${ISF_7601}" EXIT 1
                   STDERR_CONTAINS "does not fit this dump: ActiveProcessLinks failed")
# --trust-profile goes on: every view partial, nothing HIDDEN, what was found listed as found.
dumpprocs_cli_test(NAME verdicts.wrong_isf_trusted
                   ARGS "dkom_19041.dmp --symbols ${ISF_7601} --trust-profile --no-scan"
                   EXIT 3 GOLDEN dkom_19041_wrong_isf_trusted.txt
                   STDERR_CONTAINS "going on because of --trust-profile")
dumpprocs_cli_test(NAME verdicts.wrong_isf_trusted_no_hidden
                   ARGS "dkom_19041.dmp --symbols ${ISF_7601} --trust-profile --fail-on-hidden"
                   EXIT 3)
# A forced row of another build: refused, naming the check.
dumpprocs_cli_test(NAME verdicts.wrong_profile ARGS "dkom_19041.dmp --profile 22631" EXIT 1
                   STDERR_CONTAINS "--profile 22631 does not fit this dump: ETHREAD.Cid failed")
# A folder: the file whose name carries the kernel's GUID and age is picked.
dumpprocs_cli_test(NAME verdicts.symbols_dir ARGS "dkom_19041.dmp --symbols ${ISF_DIR} --show-profile"
                   STDOUT_CONTAINS "its name matches the kernel's PDB BBED7C2955FBE4522AAA23F4B8677AD9-1")
dumpprocs_cli_test(NAME verdicts.symbols_dir_none ARGS "win7sp1_7601c_mm428.dmp --symbols ${ISF_DIR}" EXIT 1
                   STDERR_CONTAINS "no ISF file of the kernel's PDB")

# Runs that cannot tell hidden from listed: unjudged, and --fail-on-hidden is a usage error.
dumpprocs_cli_test(NAME verdicts.scan_alone_unjudged ARGS "dkom_19041.dmp --view scan"
                   STDOUT_CONTAINS "Verdicts: the scan view alone cannot tell a hidden process from a listed one")
dumpprocs_cli_test(NAME verdicts.scan_alone_fail_on_hidden ARGS "dkom_19041.dmp --view scan --fail-on-hidden"
                   EXIT 2 STDERR_CONTAINS "--fail-on-hidden: the scan view alone cannot tell a hidden process from a listed one")
dumpprocs_cli_test(NAME verdicts.diff_mm_scan ARGS "dkom_19041.dmp --diff mm,scan"
                   STDOUT_CONTAINS "Verdicts: the views mm, scan alone cannot tell")
dumpprocs_cli_test(NAME verdicts.diff_mm_scan_fail_on_hidden ARGS "dkom_19041.dmp --diff mm,scan --fail-on-hidden"
                   EXIT 2 STDERR_CONTAINS "Process Manager record (active or cid)")
dumpprocs_cli_test(NAME verdicts.diff_active_scan_fail_on_hidden ARGS "scan_19041.dmp --diff active,scan --fail-on-hidden"
                   EXIT 4)
