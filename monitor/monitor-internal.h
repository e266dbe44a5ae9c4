/*
 * Monitor internals shared by monitor.c, qmp.c and hmp.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MONITOR_INTERNAL_H
#define MONITOR_INTERNAL_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "monitor/json-stream.h"
#include "monitor/monitor.h"

typedef enum MonitorKind {
    MONITOR_KIND_QMP,
    MONITOR_KIND_HMP,
    MONITOR_KIND_BUFFER,    /* human-monitor-command: output to a GString */
} MonitorKind;

typedef struct MonitorChardev {
    MonitorCore *core;
    char *label;            /* compat_monitorN */
    char *filename;         /* QEMU-style, without "disconnected:" */
    bool qmp;
    CliChardevKind kind;
    GArray *listen_fds;     /* int */
    GPtrArray *listen_srcs; /* GSource * */
    char *unlink_path;      /* UNIX socket path we created */
    unsigned n_sessions;
} MonitorChardev;

struct Monitor {
    MonitorCore *core;      /* NULL for a buffer monitor without a core */
    MachineState *ms;
    MonitorChardev *chr;    /* NULL for MONITOR_KIND_BUFFER */
    MonitorKind kind;
    int in_fd;
    int out_fd;
    bool owns_fds;          /* false for stdio */
    GSource *in_src;
    GSource *out_src;
    GString *outbuf;        /* pending output */
    bool dead;              /* closed; freed from an idle callback */

    /* QMP */
    JsonStream *js;
    bool negotiated;

    /* File descriptors (fds.c) */
    GHashTable *fds;        /* name -> fd (GINT_TO_POINTER), from getfd */
    GArray *msgfds;         /* int: received with SCM_RIGHTS, not taken */
    bool msgfds_cmd_seen;   /* a command completed since they arrived */
    bool in_not_socket;     /* in_fd is no socket: plain read() */

    /* HMP */
    GString *line;
    bool last_was_cr;
};

struct MonitorCore {
    QAPIEventEmitter em;    /* first: ms->events points here */
    MachineState *ms;
    GPtrArray *chardevs;    /* MonitorChardev * */
    GList *sessions;        /* Monitor * (main loop thread) */
    GMutex ev_lock;         /* protects ev_queue, ev_scheduled */
    GQueue ev_queue;        /* char * (serialised event + "\r\n") */
    bool ev_scheduled;
};

/* monitor.c */
Monitor *monitor_session_new(MonitorCore *core, MonitorChardev *chr,
                             MonitorKind kind, int in_fd, int out_fd,
                             bool owns_fds);
void monitor_session_close(Monitor *mon);
/* Queue raw bytes to the client (no newline conversion). */
void monitor_write(Monitor *mon, const char *data, size_t len);

/* qmp.c */
void qmp_session_start(Monitor *mon);
void qmp_session_input(Monitor *mon, const char *buf, size_t len);
void qmp_session_eof(Monitor *mon);
/* QEMU's compact JSON text of @node ({"a": 1, "b": [1, 2]}). */
char *qmp_json_to_string(JsonNode *node);

/* A monitor collecting HMP output in mon->outbuf (human-monitor-command).
 * Free with monitor_buffer_free(). */
Monitor *monitor_buffer_new(MachineState *ms);
void monitor_buffer_free(Monitor *mon);

/* fds.c */
/*
 * Queue @n fds received with the session's input; fds still queued from
 * earlier input are closed first (only the latest batch is available).
 */
void monitor_msgfds_received(Monitor *mon, const int *fds, size_t n);
/* qmp.c: a command of @mon was dispatched. */
void monitor_msgfds_command_done(Monitor *mon);
/* Input was fed: close received fds no command can still take. */
void monitor_msgfds_input_done(Monitor *mon, bool in_message);
/* Close every fd the session holds (session end). */
void monitor_fds_free(Monitor *mon);

/* hmp.c */
void hmp_session_start(Monitor *mon);
void hmp_session_input(Monitor *mon, const char *buf, size_t len);
/* The "help" and "info" commands (table in hmp-cmds.c). */
void hmp_help(Monitor *mon, MachineState *ms, const char *args);
void hmp_info(Monitor *mon, MachineState *ms, const char *args);

#endif /* MONITOR_INTERNAL_H */
