// qv-docgen: a build-time tool (built for the build machine, so it runs in
// cross builds too). `qv-docgen man VERSION EXIT_CODE_H OUT` writes qv.1,
// `qv-docgen bash OUT` the bash completion.
#include "docgen.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

int main(int argc, char **argv) {
    std::string what = argc > 1 ? argv[1] : "", text;
    if (what == "man" && argc == 5) {
        std::ifstream in(argv[3]);
        std::stringstream codes;
        codes << in.rdbuf();
        text = qv::app::manPage(argv[2], codes.str());
    } else if (what == "bash" && argc == 3) {
        text = qv::app::bashCompletion();
    } else {
        std::fprintf(stderr, "usage: qv-docgen man VERSION EXIT_CODE_H OUT | bash OUT\n");
        return 2;
    }
    std::ofstream out(argv[argc - 1], std::ios::binary);
    out << text;
    return out.good() ? 0 : 1;
}
