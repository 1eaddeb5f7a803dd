// The host build of the MCU scenario (same source as the QEMU image): a cross-check that the
// scenario itself is right, run under ASan + UBSan in the host-asan tree.
#include <cstdio>

#include "scenario.hpp"

int main() {
    std::printf("iotlite scenario on the host\n");
    return iotlite::mcu::run_scenario() == 0 ? 0 : 1;
}
