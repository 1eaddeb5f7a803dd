// Internal: a singly linked FIFO of heap nodes for the engine's queues (events, offline queue,
// in-flight publishes, subscriptions, unsubscriptions).
//
// Why not std::vector/std::deque: every vector element type costs its own reallocation, relocation
// and erase code, and std::deque much more; these lists only ever append, pop the front, walk, and
// remove one known element, which is a few pointer moves for any T (code size on Cortex-M). Element
// addresses stay valid until the element is removed, and memory is returned as elements go.
//
// The pointer work (append, unlink, walking a chain to free it) is done once for every element
// type by ListBase, out of line; List<T> adds only what depends on T: allocation, one function
// that destroys a node (handed to ListBase as a pointer), the address of the value.
#pragma once

#include <cstddef>
#include <utility>

namespace iotlite::mqtt::detail {

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

template <typename T>
class List : public ListBase {
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
    ~List() { clear(); }

    iterator begin() const { return iterator(head_); }
    iterator end() const { return iterator(nullptr); }
    T& front() const { return node_of(head_)->value; }

    T& emplace_back() { return append(new Node()); }
    // Appends T(args...), built in place (no temporary moved in).
    template <typename... A>
    T& emplace_back(A&&... args) {
        return append(new Node{{}, T(std::forward<A>(args)...)});
    }
    T& push_back(T&& value) { return append(new Node{{}, std::move(value)}); }
    void pop_front() { erase(head_, &destroy); }

    // Removes (and destroys) the element at `item`, an address of an element of this list.
    void remove(const T* item) {
        for (ListLink* at = head_; at; at = at->next) {
            if (&node_of(at)->value == item) {
                erase(at, &destroy);
                return;
            }
        }
    }

    void clear() { ListBase::clear(&destroy); }

private:
    static void destroy(ListLink* link) { delete node_of(link); }

    T& append(Node* node) {
        link(node);
        return node->value;
    }
};

}  // namespace iotlite::mqtt::detail
