// A counting heap for the heap-use tests (test-only): linking counting_heap.cpp into a test
// executable replaces the global operator new/delete with counting ones, and with
// -Wl,--wrap=malloc,--wrap=free (the iotlite_counting_heap target's link options) counts the
// malloc/free calls of the code linked into it too (the engine's byte buffers use malloc).
// Counting is on only inside a HeapCounter's scope.
#pragma once

#include <cstddef>

namespace iotlite::test {

struct HeapStats {
    bool on = false;
    std::size_t allocations = 0;
    long long live_blocks = 0;
    long long live_bytes = 0;  // since counting started (negative: older blocks freed)
    long long peak_bytes = 0;
};
extern HeapStats g_heap;

// Allocations made, blocks still live and the peak of bytes live inside one scope.
struct HeapCounter {
    HeapCounter() {
        g_heap.allocations = 0;
        g_heap.live_blocks = 0;
        g_heap.live_bytes = 0;
        g_heap.peak_bytes = 0;
        g_heap.on = true;
    }
    ~HeapCounter() { g_heap.on = false; }
    HeapCounter(const HeapCounter&) = delete;
    HeapCounter& operator=(const HeapCounter&) = delete;
    std::size_t allocations() const { return g_heap.allocations; }
    long long live_blocks() const { return g_heap.live_blocks; }
    long long peak_bytes() const { return g_heap.peak_bytes; }
};

}  // namespace iotlite::test
