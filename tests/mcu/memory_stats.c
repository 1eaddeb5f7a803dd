/* Stack painting and scanning, and the program break behind malloc (see memory_stats.h). */
#include "memory_stats.h"

#include <errno.h>

/* From mps2_an386.ld. */
extern uint32_t __stack_limit[];
extern uint32_t __stack_top[];
extern char __heap_start[];
extern char __heap_end[];

__attribute__((always_inline)) inline static uint32_t* current_sp(void) {
    uint32_t* sp;
    __asm volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

/* Paints below this function's own stack pointer. It must stay a leaf: a callee (memset, had
 * the compiler turned the loop into one) would keep its saved registers in the area being
 * painted, hence the volatile stores. */
void mcu_paint_stack(void) {
    uint32_t* const end = current_sp();
    for (volatile uint32_t* p = __stack_limit; p < end; ++p) *p = MCU_STACK_PAINT;
}

size_t mcu_stack_reserved_bytes(void) {
    return (size_t)((char*)__stack_top - (char*)__stack_limit);
}

size_t mcu_stack_high_water_bytes(void) {
    const uint32_t* p = __stack_limit;
    while (p < __stack_top && *p == MCU_STACK_PAINT) ++p;
    return (size_t)((const char*)__stack_top - (const char*)p);
}

static char* heap_break;
static char* heap_peak;

/* Replaces librdimon's weak _sbrk: the same contract (return the old break, or (void*)-1 with
 * errno ENOMEM), bounded by the stack reservation instead of the live stack pointer, and it
 * records the peak. */
void* _sbrk(ptrdiff_t increment) {
    if (heap_break == 0) heap_break = heap_peak = __heap_start;
    if (increment > __heap_end - heap_break || increment < __heap_start - heap_break) {
        errno = ENOMEM;
        return (void*)-1;
    }
    char* previous = heap_break;
    heap_break += increment;
    if (heap_break > heap_peak) heap_peak = heap_break;
    return previous;
}

size_t mcu_heap_peak_bytes(void) {
    return heap_peak == 0 ? 0 : (size_t)(heap_peak - __heap_start);
}

size_t mcu_heap_reserved_bytes(void) {
    return (size_t)(__heap_end - __heap_start);
}
