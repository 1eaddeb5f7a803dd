// Session with a fake port (clock advanced only by the Waiter) and scripted transports: the poll
// loop's own behaviour, deterministic and without real time or sockets.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <set>
#include <string>
#include <vector>

#include "fake_port.hpp"
#include "iotlite/firmware/session.hpp"
#include "iotlite/mqtt/service.hpp"

namespace iotlite::firmware::test {
namespace {

// Opens at once and hands out whatever a subclass put in inbox_ (the broker's answers).
class InboxTransport : public Transport {
public:
    Result<bool> connect(std::uint64_t) override { return true; }
    std::int32_t recv(std::uint8_t* d, std::size_t n) override {
        std::size_t k = std::min(n, inbox_.size());
        for (std::size_t i = 0; i < k; ++i) {
            d[i] = inbox_.front();
            inbox_.pop_front();
        }
        return static_cast<std::int32_t>(k);
    }
    void close() override {}
    IoWait io_wait() const override { return IoWait{}; }
    const Error& last_error() const override { return error_; }

protected:
    std::deque<std::uint8_t> inbox_;

private:
    Error error_;
};

// Answers CONNECT with a CONNACK (return code `rc`) and records writes.
class FakeBroker final : public InboxTransport {
public:
    FakeBroker(std::uint8_t rc, std::string* written) : rc_(rc), written_(written) {}
    std::int32_t send(const std::uint8_t* d, std::size_t n) override {
        if (n > 0 && (d[0] & 0xF0) == 0x10) inbox_ = {0x20, 0x02, 0x00, rc_};
        written_->append(reinterpret_cast<const char*>(d), n);
        return static_cast<std::int32_t>(n);
    }

private:
    std::uint8_t rc_;
    std::string* written_;
};

// A broker that answers at once, in the same send(): CONNACK to CONNECT, SUBACK (QoS 1 granted
// per filter) to SUBSCRIBE, UNSUBACK to UNSUBSCRIBE, PUBACK to a QoS 1 PUBLISH. So every
// completion is readable by the very next recv(), in the same loop turn that wrote its packet.
class AckingBroker final : public InboxTransport {
public:
    explicit AckingBroker(std::uint32_t* sends = nullptr) : sends_(sends) {}
    std::int32_t send(const std::uint8_t* d, std::size_t n) override {
        if (sends_ != nullptr) ++*sends_;
        pending_.insert(pending_.end(), d, d + n);
        for (int packets = 0; packets < 64 && pending_.size() >= 2; ++packets) {
            // Whole packets only (3.1.1 §2.2.3: remaining length in 1-4 bytes).
            std::size_t len = 0, i = 1;
            bool complete = false;
            for (std::size_t shift = 0; i < pending_.size() && i < 5 && !complete; shift += 7) {
                std::uint8_t b = pending_[i++];
                len |= static_cast<std::size_t>(b & 0x7F) << shift;
                complete = (b & 0x80) == 0;
            }
            if (!complete || pending_.size() < i + len) break;
            answer(pending_.data(), i, len);
            pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(i + len));
        }
        return static_cast<std::int32_t>(n);
    }

private:
    void answer(const std::uint8_t* p, std::size_t header, std::size_t len) {
        const std::uint8_t* body = p + header;
        auto reply = [&](std::initializer_list<std::uint8_t> b) { inbox_.insert(inbox_.end(), b); };
        switch (p[0] >> 4) {
            case 1: reply({0x20, 0x02, 0x00, 0x00}); break;  // CONNECT -> CONNACK accepted
            case 3:                                           // PUBLISH: PUBACK when QoS 1
                if ((p[0] & 0x06) == 0x02) {
                    std::size_t id_at = 2 + (std::size_t{body[0]} << 8 | body[1]);
                    reply({0x40, 0x02, body[id_at], body[id_at + 1]});
                }
                break;
            case 8: {  // SUBSCRIBE: one 0x01 per filter (2-byte length + filter + QoS byte)
                std::vector<std::uint8_t> codes;
                for (std::size_t at = 2; at + 2 < len; at += 2 + (std::size_t{body[at]} << 8 | body[at + 1]) + 1)
                    codes.push_back(0x01);
                inbox_.push_back(0x90);
                inbox_.push_back(static_cast<std::uint8_t>(2 + codes.size()));
                inbox_.push_back(body[0]);
                inbox_.push_back(body[1]);
                inbox_.insert(inbox_.end(), codes.begin(), codes.end());
                break;
            }
            case 10: reply({0xB0, 0x02, body[0], body[1]}); break;  // UNSUBSCRIBE -> UNSUBACK
            default: break;
        }
    }
    std::vector<std::uint8_t> pending_;
    std::uint32_t* sends_;  // counts send() calls when set
};

// A peer that accepts TCP but never completes the handshake.
class HangingTransport final : public Transport {
public:
    explicit HangingTransport(int* closes) : closes_(closes) {}
    Result<bool> connect(std::uint64_t) override { return false; }
    std::int32_t send(const std::uint8_t*, std::size_t) override { return 0; }
    std::int32_t recv(std::uint8_t*, std::size_t) override { return 0; }
    void close() override { ++*closes_; }
    IoWait io_wait() const override { return IoWait{}; }
    const Error& last_error() const override { return error_; }

private:
    int* closes_;
    Error error_;
};

class SessionUnitTest : public ::testing::Test {
protected:
    FakeClock clock_;
    FakeRandom random_;
    FakeWaiter waiter_{clock_};
    NoTcp tcp_;
    Port port_{clock_, random_, waiter_, tcp_};
    std::vector<mqtt::Event> events_;
    int targets_asked_ = 0;

    std::unique_ptr<Session> make(TransportOpener opener) {
        mqtt::Config c;
        c.client_id = "unit";
        c.keep_alive_s = 30;
        c.reconnect.min_delay_ms = 1000;
        c.reconnect.max_delay_ms = 8000;
        auto s = Session::create(
            c, port_,
            [this](std::uint32_t) -> Result<mqtt::ConnectionTarget> {
                ++targets_asked_;
                return mqtt::ConnectionTarget{mqtt::TransportKind::tcp, "", "broker", 1883, "", "", ""};
            },
            std::move(opener));
        EXPECT_TRUE(s.ok());
        s.value()->set_event_handler([this](const mqtt::Event& e) { events_.push_back(e); });
        return std::move(s.value());
    }
    int count(mqtt::Event::Type t) const {
        int n = 0;
        for (const auto& e : events_) n += e.type == t;
        return n;
    }
};

TEST_F(SessionUnitTest, OpenerAlwaysFails_AttemptsFollowBackoffOverOneMinute) {
    auto s = make([](const mqtt::ConnectionTarget&) -> Result<std::unique_ptr<Transport>> {
        return make_error(Errc::io_error, "scripted: network down");
    });
    ASSERT_TRUE(s->start().ok());
    s->run_until([] { return false; }, 60000);  // fake time: the waiter advances the clock
    // 1 s doubling to 8 s (with jitter) over 60 s: about 9 attempts; a tight loop would be thousands.
    EXPECT_GE(s->connect_attempts(), 5u);
    EXPECT_LE(s->connect_attempts(), 16u);
    EXPECT_EQ(static_cast<std::uint32_t>(targets_asked_), s->connect_attempts());
    EXPECT_EQ(s->last_transport_error().code, Errc::io_error);
    EXPECT_EQ(s->last_transport_error().message, "scripted: network down");
    EXPECT_LT(waiter_.waits, 200u);
}

TEST_F(SessionUnitTest, HandshakeNeverCompletes_ConnectTimeoutClosesAndRetries) {
    int closes = 0;
    auto s = make([&](const mqtt::ConnectionTarget&) -> Result<std::unique_ptr<Transport>> {
        return std::unique_ptr<Transport>(new HangingTransport(&closes));
    });
    ASSERT_TRUE(s->start().ok());
    s->run_until([] { return false; }, 60000);
    // connect_timeout_ms 10 s + backoff: a handful of attempts, each transport closed.
    EXPECT_GE(s->connect_attempts(), 3u);
    EXPECT_LE(s->connect_attempts(), 7u);
    EXPECT_GE(closes, static_cast<int>(s->connect_attempts()) - 1);
    EXPECT_EQ(count(mqtt::Event::Type::connected), 0);
    bool timeout_reported = false;
    for (const auto& e : events_) timeout_reported |= e.error.code == Errc::timeout;
    EXPECT_TRUE(timeout_reported);
}

TEST_F(SessionUnitTest, BrokerAccepts_ConnectedThenDisconnectIsWrittenBeforeClose) {
    std::string written;
    auto s = make([&](const mqtt::ConnectionTarget&) -> Result<std::unique_ptr<Transport>> {
        return std::unique_ptr<Transport>(new FakeBroker(0, &written));
    });
    ASSERT_TRUE(s->start().ok());
    ASSERT_TRUE(s->run_until([&] { return count(mqtt::Event::Type::connected) == 1; }, 1000));
    EXPECT_EQ(static_cast<unsigned char>(written.at(0)), 0x10u);  // CONNECT went out first
    written.clear();
    s->stop(1000);
    ASSERT_EQ(written.size(), 2u);  // DISCONNECT: E0 00
    EXPECT_EQ(static_cast<unsigned char>(written[0]), 0xE0u);
    EXPECT_EQ(written[1], '\0');
    EXPECT_EQ(s->connect_attempts(), 1u);
}

TEST_F(SessionUnitTest, ConnackNotAuthorized_NoConnectedEventAndReconnectsWithBackoff) {
    std::string written;
    auto s = make([&](const mqtt::ConnectionTarget&) -> Result<std::unique_ptr<Transport>> {
        return std::unique_ptr<Transport>(new FakeBroker(5, &written));
    });
    ASSERT_TRUE(s->start().ok());
    s->run_until([] { return false; }, 10000);
    EXPECT_EQ(count(mqtt::Event::Type::connected), 0);
    EXPECT_GE(count(mqtt::Event::Type::disconnected) + count(mqtt::Event::Type::reconnecting), 1);
    EXPECT_LE(s->connect_attempts(), 8u);  // 10 s of fake time, backoff from 1 s
}

TEST_F(SessionUnitTest, CompletionEvents_NeverSeenBeforeTheCallReturnedTheOpId) {
    auto s = make([](const mqtt::ConnectionTarget&) -> Result<std::unique_ptr<Transport>> {
        return std::unique_ptr<Transport>(new AckingBroker());
    });
    ASSERT_TRUE(s->start().ok());
    ASSERT_TRUE(s->run_until([&] { return count(mqtt::Event::Type::connected) == 1; }, 1000));

    std::set<std::uint32_t> returned, completed;
    std::vector<std::uint32_t> early;  // completions seen before their call had returned the id
    s->set_event_handler([&](const mqtt::Event& e) {
        using T = mqtt::Event::Type;
        if (e.type != T::published && e.type != T::publish_failed && e.type != T::subscribed &&
            e.type != T::unsubscribed && !(e.type == T::error && e.op_id != 0))
            return;
        if (returned.count(e.op_id) == 0) early.push_back(e.op_id);
        completed.insert(e.op_id);
    });
    auto track = [&](const Result<std::uint32_t>& r) {
        ASSERT_TRUE(r.ok()) << r.error().message;
        returned.insert(r.value());
    };
    track(s->subscribe({mqtt::TopicFilter{"a/b", mqtt::QoS::at_least_once}, mqtt::TopicFilter{"c/#", mqtt::QoS::at_most_once}}));
    track(s->publish("a/b", "qos0", mqtt::QoS::at_most_once));  // completes as soon as it is written
    track(s->publish("a/b", "qos1", mqtt::QoS::at_least_once));
    track(s->unsubscribe({"c/#"}));
    EXPECT_TRUE(completed.empty()) << "events were delivered from inside the calls";
    ASSERT_TRUE(s->run_until([&] { return completed.size() == returned.size(); }, 1000));
    EXPECT_TRUE(early.empty()) << early.size() << " completion(s) before the op id was returned";
    EXPECT_EQ(completed, returned);
}

TEST_F(SessionUnitTest, HandlerPublishingFromEveryEvent_PollStaysBounded) {
    auto s = make([](const mqtt::ConnectionTarget&) -> Result<std::unique_ptr<Transport>> {
        return std::unique_ptr<Transport>(new AckingBroker());
    });
    int published = 0;
    s->set_event_handler([&](const mqtt::Event& e) {
        if (e.type == mqtt::Event::Type::connected || e.type == mqtt::Event::Type::published) {
            ++published;
            (void)s->publish("a/b", "again", mqtt::QoS::at_most_once);  // re-entrant
        }
    });
    ASSERT_TRUE(s->start().ok());
    s->poll(0);  // returns: each turn delivers only what was queued before it
    EXPECT_GE(published, 1);
    EXPECT_LT(published, 1000);
    s->poll(0);
    EXPECT_EQ(s->state(), mqtt::State::connected);
}

// A minimal mqtt::Service: subscribes to one filter of its own, consumes that SUBACK, ticks at a
// deadline it is given, and queues its own events ("ready", "tick") for its handler.
class ProbeService final : public mqtt::Service {
public:
    explicit ProbeService(mqtt::Client& client) : client_(client) {}
    Result<void> subscribe(std::uint64_t now) {
        auto r = client_.subscribe({mqtt::TopicFilter{"probe/reply", mqtt::QoS::at_least_once}}, now);
        if (!r.ok()) return r.error();
        op_ = r.value();
        return {};
    }
    void arm(std::uint64_t deadline) { deadline_ = deadline; }

    bool on_event(const mqtt::Event& e, std::uint64_t) override {
        seen.push_back(e.type);
        if (e.type != mqtt::Event::Type::subscribed || e.op_id != op_ || op_ == 0) return false;
        queued_.push_back("ready");
        return true;
    }
    void on_tick(std::uint64_t now) override {
        if (now < deadline_) return;
        ticked_at = now;
        deadline_ = UINT64_MAX;
        queued_.push_back("tick");
    }
    std::uint64_t next_deadline_ms() const override { return deadline_; }
    bool deliver_events() override {
        bool any = !queued_.empty();
        for (const std::string& e : queued_) delivered.push_back(e);
        queued_.clear();
        return any;
    }

    std::vector<mqtt::Event::Type> seen;  // every event offered by the driver
    std::vector<std::string> delivered;   // what reached "the application" through deliver_events()
    std::uint64_t ticked_at = 0;

private:
    mqtt::Client& client_;
    std::uint32_t op_ = 0;
    std::uint64_t deadline_ = UINT64_MAX;
    std::vector<std::string> queued_;
};

TransportOpener acking_opener(std::uint32_t* sends = nullptr) {
    return [sends](const mqtt::ConnectionTarget&) -> Result<std::unique_ptr<Transport>> {
        return std::unique_ptr<Transport>(new AckingBroker(sends));
    };
}

TEST_F(SessionUnitTest, AttachedService_ConsumesItsOwnSubackAndSharesLifecycleEvents) {
    auto s = make(acking_opener());
    ProbeService probe(s->client());
    ASSERT_TRUE(s->attach(probe).ok());
    ASSERT_TRUE(s->start().ok());
    ASSERT_TRUE(s->run_until([&] { return count(mqtt::Event::Type::connected) == 1; }, 1000));
    ASSERT_TRUE(probe.subscribe(s->now_ms()).ok());
    ASSERT_TRUE(s->run_until([&] { return !probe.delivered.empty(); }, 1000));
    EXPECT_EQ(probe.delivered, std::vector<std::string>{"ready"});
    EXPECT_EQ(count(mqtt::Event::Type::subscribed), 0) << "the service's SUBACK reached the application";
    ASSERT_FALSE(probe.seen.empty());
    EXPECT_EQ(probe.seen.front(), mqtt::Event::Type::connected);  // offered, not consumed: both saw it
}

TEST_F(SessionUnitTest, AttachedService_EventsDeliveredOnlyFromPoll) {
    auto s = make(acking_opener());
    ProbeService probe(s->client());
    ASSERT_TRUE(s->attach(probe).ok());
    ASSERT_TRUE(s->start().ok());
    ASSERT_TRUE(s->run_until([&] { return count(mqtt::Event::Type::connected) == 1; }, 1000));
    ASSERT_TRUE(probe.subscribe(s->now_ms()).ok());
    // publish() does no I/O below 16 KiB: the SUBSCRIBE and the PUBLISH wait for the loop...
    ASSERT_TRUE(s->publish("a/b", "x", mqtt::QoS::at_most_once).ok());
    EXPECT_EQ(std::find(probe.seen.begin(), probe.seen.end(), mqtt::Event::Type::subscribed), probe.seen.end());
    EXPECT_TRUE(probe.delivered.empty()) << "a service handed out events from inside publish()";
    s->poll(0);  // ...which writes both, reads the SUBACK, routes it and hands it out
    EXPECT_NE(std::find(probe.seen.begin(), probe.seen.end(), mqtt::Event::Type::subscribed), probe.seen.end());
    EXPECT_EQ(probe.delivered, std::vector<std::string>{"ready"});
}

TEST_F(SessionUnitTest, PublishesBetweenPolls_GoOutInOneWriteAtTheNextPoll) {
    std::uint32_t sends = 0;
    auto s = make(acking_opener(&sends));
    ASSERT_TRUE(s->start().ok());
    ASSERT_TRUE(s->run_until([&] { return count(mqtt::Event::Type::connected) == 1; }, 1000));
    const std::uint32_t before = sends;
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(s->publish("a/b", "x", mqtt::QoS::at_least_once).ok());
    EXPECT_EQ(sends, before) << "publish() wrote before the loop turn";
    EXPECT_EQ(count(mqtt::Event::Type::published), 0);
    s->poll(0);
    EXPECT_EQ(sends, before + 1) << "three publishes, one write";
    EXPECT_TRUE(s->run_until([&] { return count(mqtt::Event::Type::published) == 3; }, 1000));
}

TEST_F(SessionUnitTest, BurstOf16KiBBetweenPolls_WrittenInsideTheCall) {
    std::uint32_t sends = 0;
    auto s = make(acking_opener(&sends));
    ASSERT_TRUE(s->start().ok());
    ASSERT_TRUE(s->run_until([&] { return count(mqtt::Event::Type::connected) == 1; }, 1000));
    const std::uint32_t before = sends;
    const std::string payload(6000, 'p');
    ASSERT_TRUE(s->publish("a/b", payload, mqtt::QoS::at_most_once).ok());
    ASSERT_TRUE(s->publish("a/b", payload, mqtt::QoS::at_most_once).ok());
    EXPECT_EQ(sends, before) << "12 KB queued: not yet";
    ASSERT_TRUE(s->publish("a/b", payload, mqtt::QoS::at_most_once).ok());
    EXPECT_EQ(sends, before + 1) << "18 KB queued: written at once, in one write";
    EXPECT_EQ(count(mqtt::Event::Type::published), 0) << "no event from inside publish()";
}

TEST_F(SessionUnitTest, AttachedService_ItsDeadlineWakesTheLoopExactlyThen) {
    auto s = make(acking_opener());  // keep-alive 30 s: the engine's own deadline is later
    ProbeService probe(s->client());
    ASSERT_TRUE(s->attach(probe).ok());
    ASSERT_TRUE(s->start().ok());
    ASSERT_TRUE(s->run_until([&] { return count(mqtt::Event::Type::connected) == 1; }, 1000));
    const std::uint64_t deadline = s->now_ms() + 5000;
    probe.arm(deadline);
    ASSERT_TRUE(s->run_until([&] { return !probe.delivered.empty(); }, 20000));
    EXPECT_EQ(probe.ticked_at, deadline);
    EXPECT_EQ(probe.delivered, std::vector<std::string>{"tick"});
}

TEST_F(SessionUnitTest, Attach_TwiceOrBeyondTheTable_RefusedWithTheRule) {
    auto s = make(acking_opener());
    std::vector<std::unique_ptr<ProbeService>> probes;
    for (std::size_t i = 0; i <= Session::max_services; ++i) probes.emplace_back(new ProbeService(s->client()));
    ASSERT_TRUE(s->attach(*probes[0]).ok());
    auto again = s->attach(*probes[0]);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, Errc::invalid_state);
    for (std::size_t i = 1; i < Session::max_services; ++i) ASSERT_TRUE(s->attach(*probes[i]).ok());
    auto over = s->attach(*probes[Session::max_services]);
    ASSERT_FALSE(over.ok());
    EXPECT_EQ(over.error().code, Errc::limit_exceeded);
    EXPECT_NE(over.error().message.find("at most 4"), std::string::npos) << over.error().message;
    s->detach(*probes[1]);  // frees a slot
    EXPECT_TRUE(s->attach(*probes[Session::max_services]).ok());
}

TEST_F(SessionUnitTest, DetachedService_SeesNoFurtherEvents) {
    auto s = make(acking_opener());
    ProbeService kept(s->client()), dropped(s->client());
    ASSERT_TRUE(s->attach(dropped).ok());
    ASSERT_TRUE(s->attach(kept).ok());
    s->detach(dropped);
    ASSERT_TRUE(s->start().ok());
    ASSERT_TRUE(s->run_until([&] { return count(mqtt::Event::Type::connected) == 1; }, 1000));
    EXPECT_TRUE(dropped.seen.empty());
    ASSERT_FALSE(kept.seen.empty());
    EXPECT_EQ(kept.seen.front(), mqtt::Event::Type::connected);
}

// The Session hands events out of one spare queue node: a target provider and an opener that
// call back into the session (publish, subscribe) must find it consistent.
TEST_F(SessionUnitTest, ProviderAndOpenerReenter_PublishAndSubscribeFromInsideWork) {
    Session* self = nullptr;
    int reentries = 0;
    mqtt::Config c;
    c.client_id = "unit";
    c.keep_alive_s = 30;
    auto made = Session::create(
        c, port_,
        [&](std::uint32_t) -> Result<mqtt::ConnectionTarget> {
            ++reentries;
            EXPECT_TRUE(self->publish("t/a", "x", mqtt::QoS::at_least_once).ok());
            EXPECT_TRUE(self->subscribe({mqtt::TopicFilter{"t/#", mqtt::QoS::at_least_once}}).ok());
            return mqtt::ConnectionTarget{mqtt::TransportKind::tcp, "", "broker", 1883, "", "", ""};
        },
        [&](const mqtt::ConnectionTarget&) -> Result<std::unique_ptr<Transport>> {
            ++reentries;
            EXPECT_TRUE(self->publish("t/b", "y", mqtt::QoS::at_most_once).ok());
            return std::unique_ptr<Transport>(new AckingBroker());
        });
    ASSERT_TRUE(made.ok());
    self = made.value().get();
    self->set_event_handler([this](const mqtt::Event& e) { events_.push_back(e); });
    ASSERT_TRUE(self->start().ok());
    EXPECT_TRUE(self->run_until([this] { return count(mqtt::Event::Type::published) == 2 &&
                                                count(mqtt::Event::Type::subscribed) == 1; }, 5000));
    EXPECT_EQ(reentries, 2);
    EXPECT_EQ(count(mqtt::Event::Type::connected), 1);
    for (const auto& e : events_) EXPECT_NE(e.type, mqtt::Event::Type::error) << e.error.message;
    self->stop(100);
}

}  // namespace
}  // namespace iotlite::firmware::test
