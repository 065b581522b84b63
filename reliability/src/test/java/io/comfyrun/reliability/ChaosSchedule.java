package io.comfyrun.reliability;

import io.comfyrun.client.Outcome;
import io.comfyrun.fake.scenario.Fault;
import io.comfyrun.fake.scenario.Fault.HttpAction;
import io.comfyrun.fake.scenario.Fault.WsAction;
import io.comfyrun.fake.scenario.Trigger;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A random fault schedule across several concurrent prompts and two servers: what each prompt is and where it
 * goes, and which faults each server suffers. Its {@code toString} is the reproduction recipe printed on failure.
 */
record ChaosSchedule(List<PromptPlan> prompts, List<FaultPlan> faults) {

    /** What a prompt's own script does on the server (bound to its prompt id). */
    enum Script { NONE, ERROR_AT_STEP, INTERRUPT_AT_STEP }

    /**
     * One prompt.
     *
     * @param server  0 or 1
     * @param polling tracked by polling only, else WebSocket with fallback
     * @param steps   sampler steps
     * @param script  an execution fault of its own
     * @param seed    sampler seed (distinct per prompt so nothing is served from cache)
     */
    record PromptPlan(int server, boolean polling, int steps, Script script, long seed) {
        Outcome scripted() {
            return switch (script) {
                case NONE -> Outcome.SUCCESS;
                case ERROR_AT_STEP -> Outcome.FAILED;
                case INTERRUPT_AT_STEP -> Outcome.INTERRUPTED;
            };
        }

        Fault scriptFault(String promptId) {
            int step = Math.max(1, steps / 2);
            return switch (script) {
                case NONE -> null;
                case ERROR_AT_STEP -> new Fault.ExecutionError(Trigger.atStep("3", step).forPrompt(promptId), 1,
                        "RuntimeException", "chaos: CUDA out of memory");
                case INTERRUPT_AT_STEP -> new Fault.Interrupt(Trigger.atStep("3", step).forPrompt(promptId), 1);
            };
        }
    }

    /** Server-wide faults (transport, HTTP, history, restart). */
    enum Kind {
        WS_CLOSE_FRAME, WS_FIN, WS_RST, WS_HALF_CLOSE, WS_STALL, WS_MALFORMED_JSON, WS_UNKNOWN_MESSAGE, WS_INVALID_FRAME,
        WS_OVERSIZED_FRAME, WS_REFUSE_UPGRADE, HTTP_STATUS, HTTP_RESET, HTTP_EMPTY, HTTP_TRUNCATE, HTTP_DELAY,
        HISTORY_DELAY, EXECUTION_BLOCKED, RESTART
    }

    static final List<String> EVENTS = List.of("status", "execution_start", "executing", "progress", "executed",
            "execution_success");
    /** {@code /view} faults hit the downloads each schedule makes of its successful prompts' outputs. */
    static final List<String> ROUTES = List.of("/prompt", "/queue", "/history/*", "/view");
    /** An oversized frame (a text message or a binary preview): 4 MiB (the fake's default is 8 MiB; 500 schedules stay light). */
    static final int OVERSIZED_BYTES = 4 << 20;

    /**
     * One fault.
     *
     * @param server  0 or 1
     * @param kind    what breaks
     * @param nth     at the nth matching frame or request
     * @param event   WebSocket faults: before this outgoing message type
     * @param route   HTTP faults: this route ({@code POST} for /prompt, else {@code GET})
     * @param virtualMs restart: when (virtual ms after install); delays: how long
     */
    record FaultPlan(int server, Kind kind, int nth, String event, String route, double virtualMs) {

        /** The node an {@code EXECUTION_BLOCKED} fault blocks: one output node, the other, or both (VAEDecode). */
        String blockedNode() {
            return switch (nth) {
                case 1 -> "9";
                case 2 -> "10";
                default -> "8";
            };
        }

        Fault toFault() {
            Trigger onEvent = Trigger.onEvent(event, nth);
            Trigger onRoute = Trigger.onRoute(route.equals("/prompt") ? "POST" : "GET", route).nth(nth);
            return switch (kind) {
                case WS_CLOSE_FRAME -> CaseRunner.ws(onEvent, WsAction.CLOSE_FRAME, null);
                case WS_FIN -> CaseRunner.ws(onEvent, WsAction.FIN, null);
                case WS_RST -> CaseRunner.ws(onEvent, WsAction.RST, virtualMs > 2000 ? virtualMs : null);
                case WS_HALF_CLOSE -> CaseRunner.ws(onEvent, WsAction.HALF_CLOSE, null);
                case WS_STALL -> CaseRunner.ws(onEvent, WsAction.STALL, null);
                case WS_MALFORMED_JSON -> CaseRunner.ws(onEvent, WsAction.MALFORMED_JSON, null);
                case WS_UNKNOWN_MESSAGE -> CaseRunner.ws(onEvent, WsAction.UNKNOWN_MESSAGE, null);
                case WS_INVALID_FRAME -> CaseRunner.ws(onEvent, WsAction.INVALID_FRAME, null);
                case WS_OVERSIZED_FRAME -> new Fault.WsFault(onEvent, 1, WsAction.OVERSIZED_FRAME, null, null, null,
                        OVERSIZED_BYTES, nth % 2 == 1 ? "text" : null); // a text message or a binary preview
                case EXECUTION_BLOCKED -> new Fault.ExecutionBlocked(Trigger.atNode(blockedNode()), 1,
                        "chaos: output filtered");
                case WS_REFUSE_UPGRADE -> new Fault.WsRefuseUpgrade(Trigger.any(), nth, 403, null);
                case HTTP_STATUS -> CaseRunner.http(onRoute, HttpAction.STATUS);
                case HTTP_RESET -> CaseRunner.http(onRoute, HttpAction.RESET);
                case HTTP_EMPTY -> CaseRunner.http(onRoute, HttpAction.EMPTY);
                case HTTP_TRUNCATE -> CaseRunner.http(onRoute, HttpAction.TRUNCATE);
                case HTTP_DELAY -> new Fault.HttpFault(onRoute, 1, HttpAction.DELAY, null, virtualMs * 40, null);
                case HISTORY_DELAY -> new Fault.HistoryDelay(Trigger.any(), nth, virtualMs);
                case RESTART -> new Fault.Restart(Trigger.afterMs(virtualMs), 1);
            };
        }
    }

    /**
     * The outcomes a prompt may end with under this schedule; anything else (or no outcome) is a bug.
     *
     * @param restarted   its server journaled a restart during the schedule
     * @param scriptFired its own execution fault (error or interrupt) fired
     * @param reposted    it was accepted again after a restart wiped the first copy
     * @param samplerCached the server served its sampler from cache (an identical earlier prompt): a fault at a
     *                    sampler step cannot fire then, and success is the right outcome
     */
    Set<Outcome> allowed(PromptPlan p, boolean restarted, boolean scriptFired, boolean reposted,
                         boolean samplerCached) {
        Set<Outcome> ok = EnumSet.of(p.scripted());
        if (!scriptFired && samplerCached) {
            ok.add(Outcome.SUCCESS);
        }
        if (restarted) {
            ok.add(Outcome.LOST); // queue and history are in memory: a restart may lose a prompt
            // A restart does not turn a scripted failure into a success: only if it wiped the prompt before its
            // fault could fire (the fault never fired) or wiped the copy it fired in and a re-post ran clean.
            if (p.script() == Script.NONE || !scriptFired || reposted) {
                ok.add(Outcome.SUCCESS);
            }
        }
        long postFailures = faults.stream().filter(f -> f.server() == p.server() && f.kind() == Kind.HTTP_STATUS
                && f.route().equals("/prompt")).count();
        if (postFailures >= 3) {
            ok.add(Outcome.REJECTED); // three 5xx answers in a row are reported, not retried forever
        }
        return ok;
    }
}
