/*
 * An independent MQTT client for the stand-in: Eclipse Paho MQTT C (Debian libpaho-mqtt-dev,
 * synchronous API) connects to a ws:// URL (a presigned AWS IoT URL, query string included),
 * subscribes to a topic, publishes to it and checks that the message comes back.
 *
 *   paho_ws_client <ws-url> <client-id> <topic>
 *
 * Exit 0 and "OK" on stdout when the message round-trips; 1 with a reason on stderr otherwise.
 * The URL is never printed (it carries a signature and maybe a session token).
 */
#include <MQTTClient.h>
#include <stdio.h>
#include <string.h>

enum { kTimeoutMs = 5000, kMaxReceives = 20 };

static int fail(const char *what, int rc) {
    fprintf(stderr, "paho_ws_client: %s failed: rc=%d\n", what, rc);
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: paho_ws_client <ws-url> <client-id> <topic>\n");
        return 2;
    }
    const char *url = argv[1];
    const char *client_id = argv[2];
    const char *topic = argv[3];
    const char payload[] = "hello from paho over the stand-in";

    MQTTClient client;
    int rc = MQTTClient_create(&client, url, client_id, MQTTCLIENT_PERSISTENCE_NONE, NULL);
    if (rc != MQTTCLIENT_SUCCESS) return fail("MQTTClient_create", rc);

    MQTTClient_connectOptions opts = MQTTClient_connectOptions_initializer;
    opts.keepAliveInterval = 30;
    opts.cleansession = 1;
    opts.MQTTVersion = MQTTVERSION_3_1_1;
    opts.connectTimeout = 5;
    rc = MQTTClient_connect(client, &opts);
    if (rc != MQTTCLIENT_SUCCESS) {
        MQTTClient_destroy(&client);
        return fail("MQTTClient_connect", rc);
    }

    int result = 1;
    rc = MQTTClient_subscribe(client, topic, 1);
    if (rc != MQTTCLIENT_SUCCESS) {
        fail("MQTTClient_subscribe", rc);
        goto done;
    }
    MQTTClient_deliveryToken token;
    rc = MQTTClient_publish(client, topic, (int)strlen(payload), payload, 1, 0, &token);
    if (rc != MQTTCLIENT_SUCCESS) {
        fail("MQTTClient_publish", rc);
        goto done;
    }
    rc = MQTTClient_waitForCompletion(client, token, kTimeoutMs);
    if (rc != MQTTCLIENT_SUCCESS) {
        fail("MQTTClient_waitForCompletion (PUBACK)", rc);
        goto done;
    }
    for (int i = 0; i < kMaxReceives && result != 0; ++i) {
        char *got_topic = NULL;
        int topic_len = 0;
        MQTTClient_message *msg = NULL;
        rc = MQTTClient_receive(client, &got_topic, &topic_len, &msg, kTimeoutMs);
        if (rc != MQTTCLIENT_SUCCESS && rc != MQTTCLIENT_TOPICNAME_TRUNCATED) {
            fail("MQTTClient_receive", rc);
            break;
        }
        if (msg == NULL) {
            fprintf(stderr, "paho_ws_client: no message within %d ms\n", kTimeoutMs);
            break;
        }
        if (strcmp(got_topic, topic) == 0 && msg->payloadlen == (int)strlen(payload) &&
            memcmp(msg->payload, payload, strlen(payload)) == 0) {
            result = 0;
        }
        MQTTClient_freeMessage(&msg);
        MQTTClient_free(got_topic);
    }

done:
    MQTTClient_disconnect(client, 1000);
    MQTTClient_destroy(&client);
    if (result == 0) printf("OK\n");
    return result;
}
