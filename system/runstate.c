/*
 * Run state: thread-safe accessors, vm_stop/vm_start and shutdown requests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include "qapi/qapi-events.h"
#include "system/machine.h"

RunState runstate_get(MachineState *ms)
{
    RunState st;

    g_mutex_lock(&ms->lock);
    st = ms->runstate;
    g_mutex_unlock(&ms->lock);
    return st;
}

bool runstate_is_running(MachineState *ms)
{
    return runstate_get(ms) == RUN_STATE_RUNNING;
}

void runstate_set(MachineState *ms, RunState state)
{
    g_mutex_lock(&ms->lock);
    ms->runstate = state;
    g_mutex_unlock(&ms->lock);
}

void vm_stop(MachineState *ms, RunState state)
{
    bool was_running;

    g_mutex_lock(&ms->lock);
    was_running = ms->runstate == RUN_STATE_RUNNING;
    ms->runstate = state;
    g_mutex_unlock(&ms->lock);
    /* Emitted outside the lock: the emitter may take its own locks. */
    if (was_running) {
        qapi_event_send_stop(ms->events);
    }
}

void vm_start(MachineState *ms)
{
    bool was_running;

    g_mutex_lock(&ms->lock);
    was_running = ms->runstate == RUN_STATE_RUNNING;
    ms->runstate = RUN_STATE_RUNNING;
    g_mutex_unlock(&ms->lock);
    /* QEMU sends RESUME only on a real transition. */
    if (!was_running) {
        qapi_event_send_resume(ms->events);
    }
}

void machine_request_shutdown(MachineState *ms, bool from_signal)
{
    qapi_event_send_shutdown(ms->events, false,
                             from_signal ? SHUTDOWN_CAUSE_HOST_SIGNAL
                                         : SHUTDOWN_CAUSE_HOST_QMP_QUIT);
    g_atomic_int_set(&ms->shutdown_requested, 1);
    if (ms->loop) {
        g_main_loop_quit(ms->loop);
    }
}
