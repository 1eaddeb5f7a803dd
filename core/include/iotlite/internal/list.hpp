// Internal: a singly linked FIFO of heap nodes for core's queues: the engine's (events, offline
// queue, in-flight publishes, subscriptions, unsubscriptions) and the services' (events, response
// subscriptions, requests in flight). Not part of the API; public only because services hold one.
//
// Why not std::vector/std::deque: every vector element type costs its own reallocation, relocation
// and erase code, and std::deque much more; these lists only ever append, pop the front, walk, and
// remove one known element, which is a few pointer moves for any T (code size on Cortex-M). Element
// addresses stay valid until the element is removed, and memory is returned as elements go.
//
// The pointer work (append, unlink, walking a chain to free it) is done once for every element
// type by ListBase, out of line; List<T> adds only what depends on T: allocation, one function
// that destroys a node (handed to ListBase as a pointer), the address of the value.
//
// List<T, true> recycles (the IOTLITE_NO_HEAP_AFTER_CONNECT build, iotlite/config.hpp): a removed
// node is kept as a spare, its value as it was left (its strings and vectors keep their storage),
// up to the number of spares reserve() made; emplace_back() and push_back() take a spare first.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include "iotlite/config.hpp"

namespace iotlite::internal {

struct ListLink {
    ListLink* next = nullptr;
};

class ListBase {
public:
    bool empty() const { return head_ == nullptr; }
    std::size_t size() const { return size_; }

protected:
    ListBase() = default;
    ListBase(const ListBase&) = delete;
    ListBase& operator=(const ListBase&) = delete;

    [[gnu::noinline]] void link(ListLink* node) {
        (tail_ ? tail_->next : head_) = node;
        tail_ = node;
        ++size_;
    }
    // Unlinks `node` if it is in the list; returns it, or nullptr when it is not.
    [[gnu::noinline]] ListLink* unlink(ListLink* node) {
        ListLink* prev = nullptr;
        ListLink* at = head_;
        while (at && at != node) {
            prev = at;
            at = at->next;
        }
        if (!at) return nullptr;
        (prev ? prev->next : head_) = at->next;
        if (tail_ == at) tail_ = prev;
        --size_;
        return at;
    }
    using Destroy = void (*)(ListLink*);
    // Unlinks `node` (if it is in the list) and destroys it.
    [[gnu::noinline]] void erase(ListLink* node, Destroy destroy) {
        if (ListLink* at = unlink(node)) destroy(at);
    }
    // Destroys every node; the list is empty.
    [[gnu::noinline]] void clear(Destroy destroy) {
        ListLink* chain = head_;
        head_ = tail_ = nullptr;
        size_ = 0;
        while (chain) {
            ListLink* next = chain->next;
            destroy(chain);
            chain = next;
        }
    }

    ListLink* head_ = nullptr;
    ListLink* tail_ = nullptr;
    std::size_t size_ = 0;
};

// The engine's lists that recycle in the no-heap-after-connect build: events and in-flight publishes.
inline constexpr bool recycle_nodes = IOTLITE_NO_HEAP_AFTER_CONNECT != 0;

// Recycling a value: `to` (a new, default value's member) takes the storage of `from` (the same
// member of the value being recycled), emptied. A recycled value is made as a default one, then
// given back the storage of the members that hold memory: every other field is reset by the
// type's own defaults, whatever fields it has.
template <typename Container>
void take_storage(Container& to, Container& from) {
    to.swap(from);
    to.clear();
}

// Spare nodes of a recycling list; an empty base (no member) in a plain one.
struct SpareNodes {
    ListLink* spares = nullptr;
    std::size_t spare_count = 0;
    std::size_t spare_limit = 0;
};
struct NoSpareNodes {};

template <typename T, bool Recycle = false>
class List : public ListBase, private std::conditional_t<Recycle, SpareNodes, NoSpareNodes> {
    struct Node : ListLink {
        T value;
    };
    static Node* node_of(ListLink* link) { return static_cast<Node*>(link); }

public:
    class iterator {
    public:
        explicit iterator(ListLink* node) : node_(node) {}
        T& operator*() const { return node_of(node_)->value; }
        T* operator->() const { return &node_of(node_)->value; }
        iterator& operator++() {
            node_ = node_->next;
            return *this;
        }
        bool operator==(const iterator& other) const { return node_ == other.node_; }
        bool operator!=(const iterator& other) const { return node_ != other.node_; }

    private:
        ListLink* node_;
    };

    List() = default;
    ~List() {
        clear();
        if constexpr (Recycle) free_spares();
    }

    iterator begin() const { return iterator(head_); }
    iterator end() const { return iterator(nullptr); }
    T& front() const { return node_of(head_)->value; }

    // On a recycling list the value may be a spare's, as it was left: the caller resets it.
    T& emplace_back() {
        if constexpr (Recycle)
            if (Node* spare = take_spare()) return append(spare);
        return append(new Node());
    }
    // Appends T(args...), built in place (no temporary moved in).
    template <typename... A>
    T& emplace_back(A&&... args) {
        return append(new Node{{}, T(std::forward<A>(args)...)});
    }
    // On a recycling list a spare's value is swapped with `value`: `value` gets its storage.
    T& push_back(T&& value) {
        if constexpr (Recycle) {
            if (Node* spare = take_spare()) {
                using std::swap;
                swap(spare->value, value);
                return append(spare);
            }
        }
        return append(new Node{{}, std::move(value)});
    }
    void pop_front() {
        if constexpr (Recycle)
            recycle(head_);
        else
            erase(head_, &destroy);
    }

    // Removes (destroys, or keeps as a spare) the element at `item`, an address of an element of this list.
    void remove(const T* item) {
        for (ListLink* at = head_; at; at = at->next) {
            if (&node_of(at)->value == item) {
                if constexpr (Recycle)
                    recycle(at);
                else
                    erase(at, &destroy);
                return;
            }
        }
    }

    void clear() {
        if constexpr (Recycle) {
            while (head_) recycle(head_);
        } else {
            ListBase::clear(&destroy);
        }
    }

    // Recycling lists: `count` more spare nodes, allocated now, each value passed to `prepare`
    // (which reserves its storage); removed nodes are kept as spares up to the total reserved.
    template <typename Prepare>
    void reserve(std::size_t count, Prepare prepare) {
        static_assert(Recycle, "reserve() is for recycling lists");
        for (std::size_t i = 0; i < count; ++i) {
            Node* node = new Node();
            prepare(node->value);
            keep_spare(node);
        }
        this->spare_limit += count;
    }

private:
    static void destroy(ListLink* link) { delete node_of(link); }

    // Recycling lists: unlinks `at` and keeps it as a spare, or destroys it when the spares are full.
    void recycle(ListLink* at) {
        ListLink* node = unlink(at);
        if (!node) return;
        if (this->spare_count < this->spare_limit)
            keep_spare(node);
        else
            destroy(node);
    }
    void keep_spare(ListLink* node) {
        node->next = this->spares;
        this->spares = node;
        ++this->spare_count;
    }
    Node* take_spare() {
        ListLink* node = this->spares;
        if (!node) return nullptr;
        this->spares = node->next;
        node->next = nullptr;
        --this->spare_count;
        return node_of(node);
    }
    void free_spares() {
        while (Node* node = take_spare()) delete node;
    }

    T& append(Node* node) {
        link(node);
        return node->value;
    }
};

}  // namespace iotlite::internal
