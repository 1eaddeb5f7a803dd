// See counting_heap.hpp.
#include "counting_heap.hpp"

#include <malloc.h>

#include <cstdlib>
#include <new>

namespace iotlite::test {
HeapStats g_heap;
}  // namespace iotlite::test

using iotlite::test::g_heap;

extern "C" void* __real_malloc(std::size_t size);  // NOLINT: the linker's --wrap names
extern "C" void __real_free(void* block);           // NOLINT

namespace {

void count_allocation(std::size_t bytes) {
    if (!g_heap.on) return;
    ++g_heap.allocations;
    ++g_heap.live_blocks;
    g_heap.live_bytes += static_cast<long long>(bytes);
    if (g_heap.live_bytes > g_heap.peak_bytes) g_heap.peak_bytes = g_heap.live_bytes;
}
void count_free(std::size_t bytes) {
    if (!g_heap.on) return;
    --g_heap.live_blocks;
    g_heap.live_bytes -= static_cast<long long>(bytes);
}

// operator new blocks carry their size in a header, so that frees are counted in bytes.
constexpr std::size_t kHeader = alignof(std::max_align_t);

void* counted_new(std::size_t size) {
    auto* p = static_cast<unsigned char*>(__real_malloc(size + kHeader));
    if (!p) std::abort();  // no exceptions in the code under test; out of memory is fatal here
    *reinterpret_cast<std::size_t*>(p) = size;
    count_allocation(size);
    return p + kHeader;
}
void counted_delete(void* block) {
    if (!block) return;
    unsigned char* p = static_cast<unsigned char*>(block) - kHeader;
    count_free(*reinterpret_cast<std::size_t*>(p));
    __real_free(p);
}

}  // namespace

// malloc/free of the objects linked with --wrap: no header (a block malloc'ed by a library that
// is not wrapped may be freed here), the usable size on both sides.
extern "C" void* __wrap_malloc(std::size_t size) {  // NOLINT
    void* p = __real_malloc(size);
    if (p) count_allocation(malloc_usable_size(p));
    return p;
}
extern "C" void __wrap_free(void* block) {  // NOLINT
    if (block) count_free(malloc_usable_size(block));
    __real_free(block);
}

void* operator new(std::size_t size) { return counted_new(size); }
void* operator new[](std::size_t size) { return counted_new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return counted_new(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return counted_new(size); }
void operator delete(void* p) noexcept { counted_delete(p); }
void operator delete[](void* p) noexcept { counted_delete(p); }
void operator delete(void* p, std::size_t) noexcept { counted_delete(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_delete(p); }
