// The QEMU image's main: semihosting for stdout and exit, the scenario, then the measurements.
#include <malloc.h>

#include <cstdio>

#include "memory_stats.h"
#include "scenario.hpp"

extern "C" void initialise_monitor_handles(void);

namespace {

unsigned stack_peak = 0;  // over all steps; each step is measured from a fresh paint

// After each step: its stack high-water mark, then a fresh paint below this frame for the next.
void measure_step(const char* step) {
    const unsigned used = static_cast<unsigned>(mcu_stack_high_water_bytes());
    if (used > stack_peak) stack_peak = used;
    std::printf("      stack high-water through step %s: %u bytes\n", step, used);
    mcu_paint_stack();
}

}  // namespace

int main() {
    initialise_monitor_handles();  // librdimon: stdin/stdout/stderr through semihosting
    std::printf("iotlite scenario on Cortex-M4 (QEMU mps2-an386, newlib-nano, semihosting)\n");
    // After the first printf: what stdio allocated for itself, so not the scenario's.
    const unsigned heap_before = static_cast<unsigned>(mallinfo().uordblks);
    const unsigned break_before = static_cast<unsigned>(mcu_heap_peak_bytes());
    const unsigned stack_before = static_cast<unsigned>(mcu_stack_high_water_bytes());
    mcu_paint_stack();
    const int failed = iotlite::mcu::run_scenario(measure_step);

    const struct mallinfo heap = mallinfo();
    unsigned stack_used = static_cast<unsigned>(mcu_stack_high_water_bytes());
    if (stack_peak > stack_used) stack_used = stack_peak;
    const unsigned stack_reserved = static_cast<unsigned>(mcu_stack_reserved_bytes());
    std::printf("measure: stack high-water mark %u bytes (of %u reserved; painted at reset; %u before the "
                "scenario: reset, main, the first printf)\n",
                stack_used, stack_reserved, stack_before);
    std::printf("measure: heap peak %u bytes (highest program break _sbrk reached above the end of .bss; "
                "%u of it before the scenario, stdio)\n",
                static_cast<unsigned>(mcu_heap_peak_bytes()), break_before);
    std::printf("measure: heap in use %u bytes at the end, %u before the scenario (mallinfo uordblks)\n",
                static_cast<unsigned>(heap.uordblks), heap_before);
    if (stack_used >= stack_reserved) {
        std::printf("FAIL: the stack used all of its %u-byte reservation (overflow into the heap)\n", stack_reserved);
        return 2;
    }
    return failed == 0 ? 0 : 1;
}
