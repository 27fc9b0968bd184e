// Placeholder translation unit until the dump writer lands (the dumpgen helper replaces it).
namespace dumpgen {
int placeholder() { return 0; }
} // namespace dumpgen
