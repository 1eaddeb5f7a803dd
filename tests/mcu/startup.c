/* Startup of the QEMU scenario image on mps2-an386 (Cortex-M4F): the vector table and the reset
 * handler. No vendor startup code and no crt0: -nostartfiles, this file does what they would. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "memory_stats.h"

/* From mps2_an386.ld. */
extern uint32_t __stack_top[];
extern uint32_t __data_start[];
extern uint32_t __data_end[];
extern uint32_t __data_load[];
extern uint32_t __bss_start[];
extern uint32_t __bss_end[];
extern void (*__preinit_array_start[])(void);
extern void (*__preinit_array_end[])(void);
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);

int main(void);
void Reset_Handler(void);
void Fault_Handler(void);

/* Coprocessor Access Control Register (ARMv7-M ARM, B3.2.20): CP10 and CP11 full access. */
#define SCB_CPACR (*(volatile uint32_t*)0xE000ED88u)
#define CPACR_CP10_CP11_FULL (0xFu << 20)

typedef void (*Vector)(void);

/* ARMv7-M vector table (B1.5.3): initial SP, then the system exceptions. No interrupt is enabled,
 * so no external vectors follow. Every fault ends the run with exit code 3. */
__attribute__((section(".vectors"), used)) const Vector vector_table[16] = {
    (Vector)__stack_top,  /* initial main stack pointer: top of SSRAM2+3 */
    Reset_Handler,
    Fault_Handler,        /* NMI */
    Fault_Handler,        /* HardFault */
    Fault_Handler,        /* MemManage */
    Fault_Handler,        /* BusFault */
    Fault_Handler,        /* UsageFault */
    0, 0, 0, 0,           /* reserved */
    Fault_Handler,        /* SVCall */
    Fault_Handler,        /* DebugMonitor */
    0,                    /* reserved */
    Fault_Handler,        /* PendSV */
    Fault_Handler,        /* SysTick */
};

void Reset_Handler(void) {
    /* The image is built for the FPU (-mfloat-abi=hard): enable it before any FP instruction. */
    SCB_CPACR |= CPACR_CP10_CP11_FULL;
    __asm volatile("dsb\n\tisb" ::: "memory");

    mcu_paint_stack();

    /* .data: copy its initial image from SSRAM1 (as from flash); .bss: zero. Volatile stores, so
     * that the compiler does not turn the loops into library calls before the C runtime is set. */
    const uint32_t* src = __data_load;
    for (volatile uint32_t* dst = __data_start; dst < __data_end; ++dst) *dst = *src++;
    for (volatile uint32_t* dst = __bss_start; dst < __bss_end; ++dst) *dst = 0;

    /* Static constructors (the C++ runtime's, the core's), in link order. */
    for (void (**f)(void) = __preinit_array_start; f < __preinit_array_end; ++f) (*f)();
    for (void (**f)(void) = __init_array_start; f < __init_array_end; ++f) (*f)();

    exit(main());
}

/* Reports through semihosting (already set up by main() in every case a fault can happen after)
 * and ends QEMU with a distinct code, so that a fault fails the test instead of hanging it. */
void Fault_Handler(void) {
    uint32_t ipsr;
    __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
    printf("FAULT: exception %u (3 HardFault, 4 MemManage, 5 BusFault, 6 UsageFault)\n", (unsigned)(ipsr & 0x1FFu));
    fflush(stdout);
    _Exit(3);
}
