// dumpgen: writes the synthetic sample dumps of testdata/ (placeholder until the writer lands).
int main() { return 0; }
