/*
 * Where generated qapi_event_send_*() functions deliver events.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QAPI_EVENT_EMITTER_H
#define QAPI_EVENT_EMITTER_H

#include <json-glib/json-glib.h>

typedef struct QAPIEventEmitter QAPIEventEmitter;

/**
 * QAPIEventEmitter:
 * @emit: deliver event @name ("MIGRATION") with @data (transfer full; NULL
 *        when the event has no data).  Must be callable from any thread:
 *        the monitor implementation stamps the time at this call and
 *        queues the event to every negotiated QMP client.
 */
struct QAPIEventEmitter {
    void (*emit)(QAPIEventEmitter *em, const char *name, JsonObject *data);
};

#endif /* QAPI_EVENT_EMITTER_H */
