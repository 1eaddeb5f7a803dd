/* Stack and heap measurements of the QEMU scenario image (Cortex-M4, bare metal).
 *
 * Stack: the reset handler paints the stack region, from the linker's __stack_limit up to the
 * stack pointer it starts with, with MCU_STACK_PAINT; the high-water mark is the distance from
 * the top of the stack to the lowest word no longer holding the pattern.
 * Heap: our _sbrk (newlib's malloc asks it for memory) records the highest program break it ever
 * handed out; the heap peak is that break minus the start of the heap (the end of .bss). It is an
 * upper bound of what malloc had in use at its peak (newlib-nano never returns memory to _sbrk). */
#ifndef IOTLITE_TESTS_MCU_MEMORY_STATS_H
#define IOTLITE_TESTS_MCU_MEMORY_STATS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MCU_STACK_PAINT 0xC5A5C5A5u

/* Paints [__stack_limit, sp) with MCU_STACK_PAINT. Called first thing by the reset handler, and
 * again by main() to measure one step at a time (everything below the caller's frame is free). */
void mcu_paint_stack(void);
/* Bytes of the stack reserved by the linker script. */
size_t mcu_stack_reserved_bytes(void);
/* The stack high-water mark in bytes; equal to the reservation when the stack overflowed it. */
size_t mcu_stack_high_water_bytes(void);
/* The highest program break _sbrk reached, as bytes above the start of the heap. */
size_t mcu_heap_peak_bytes(void);
/* Bytes between the start of the heap and the stack limit. */
size_t mcu_heap_reserved_bytes(void);

#ifdef __cplusplus
}
#endif

#endif
