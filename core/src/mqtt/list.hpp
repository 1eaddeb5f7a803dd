// Internal: a singly linked FIFO of heap nodes for the engine's queues (events, offline queue,
// in-flight publishes, subscriptions, unsubscriptions).
//
// Why not std::vector/std::deque: every vector element type costs its own reallocation, relocation
// and erase code, and std::deque much more; these lists only ever append, pop the front, walk, and
// remove one known element, which is a few pointer moves for any T (code size on Cortex-M). Element
// addresses stay valid until the element is removed, and memory is returned as elements go.
#pragma once

#include <cstddef>
#include <utility>

namespace iotlite::mqtt::detail {

template <typename T>
class List {
    struct Node {
        T value;
        Node* next = nullptr;
    };

public:
    class iterator {
    public:
        explicit iterator(Node* node) : node_(node) {}
        T& operator*() const { return node_->value; }
        T* operator->() const { return &node_->value; }
        iterator& operator++() {
            node_ = node_->next;
            return *this;
        }
        bool operator==(const iterator& other) const { return node_ == other.node_; }
        bool operator!=(const iterator& other) const { return node_ != other.node_; }

    private:
        Node* node_;
    };

    List() = default;
    List(const List&) = delete;
    List& operator=(const List&) = delete;
    ~List() { clear(); }

    iterator begin() const { return iterator(head_); }
    iterator end() const { return iterator(nullptr); }
    bool empty() const { return head_ == nullptr; }
    std::size_t size() const { return size_; }
    T& front() const { return head_->value; }

    T& emplace_back() { return link(new Node()); }
    T& push_back(T&& value) { return link(new Node{std::move(value), nullptr}); }
    void pop_front() { remove(&head_->value); }

    // Removes (and destroys) the element at `item`, an address of an element of this list.
    void remove(const T* item) {
        Node* prev = nullptr;
        Node* node = head_;
        while (node && &node->value != item) {
            prev = node;
            node = node->next;
        }
        if (!node) return;
        (prev ? prev->next : head_) = node->next;
        if (tail_ == node) tail_ = prev;
        --size_;
        delete node;
    }

    void clear() {
        while (Node* node = head_) {
            head_ = node->next;
            delete node;
        }
        tail_ = nullptr;
        size_ = 0;
    }

private:
    T& link(Node* node) {
        (tail_ ? tail_->next : head_) = node;
        tail_ = node;
        ++size_;
        return node->value;
    }

    Node* head_ = nullptr;
    Node* tail_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace iotlite::mqtt::detail
