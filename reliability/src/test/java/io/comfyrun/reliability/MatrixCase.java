package io.comfyrun.reliability;

import io.comfyrun.client.Outcome;
import io.comfyrun.fake.scenario.Fault.HttpAction;
import io.comfyrun.fake.scenario.Fault.WsAction;

import java.util.Locale;

/**
 * One row of the fault matrix: a fault of the fake, the phase of the prompt it hits, and how the engine
 * tracks the prompt.
 */
record MatrixCase(FaultKind fault, Phase phase, Mode mode) {

    /** Where in a prompt's life the fault hits. */
    enum Phase {
        BEFORE_SUBMIT("before submit"),
        QUEUED("queued"),
        FIRST_NODE("first node"),
        MID_SAMPLER("mid-sampler"),
        BETWEEN_NODES("between nodes"),
        AFTER_SUCCESS_BEFORE_HISTORY("after success, before history"),
        DURING_DOWNLOAD("during download");

        final String label;

        Phase(String label) {
            this.label = label;
        }
    }

    enum Mode {
        WEBSOCKET("websocket"), POLLING("polling");

        final String label;

        Mode(String label) {
            this.label = label;
        }
    }

    /**
     * A fault of the fake: a WebSocket wire action, a refused upgrade, an HTTP action (with its status for
     * {@code http_status}), or a restart.
     */
    record FaultKind(String label, WsAction ws, HttpAction http, Integer status, boolean refuseUpgrade,
                     boolean restart) {

        static FaultKind ofWs(WsAction a) {
            return new FaultKind("ws_" + a.name().toLowerCase(Locale.ROOT), a, null, null, false, false);
        }

        static FaultKind ofHttp(HttpAction a) {
            return a == HttpAction.STATUS ? ofStatus(503) : new FaultKind("http_" + a.name().toLowerCase(Locale.ROOT)
                    + (a == HttpAction.DELAY ? " > read timeout" : ""), null, a, null, false, false);
        }

        static FaultKind ofStatus(int status) {
            return new FaultKind("http_status " + status, null, HttpAction.STATUS, status, false, false);
        }

        static FaultKind refusedUpgrade() {
            return new FaultKind("ws_refuse_upgrade", null, null, null, true, false);
        }

        static FaultKind serverRestart() {
            return new FaultKind("restart", null, null, null, false, true);
        }

        boolean isWebSocket() {
            return ws != null || refuseUpgrade;
        }
    }

    /**
     * The fault as it is really installed: once a socket is open, the fake refuses upgrades only after a drop,
     * so a refused upgrade past "before submit" is a reset followed by refused reconnects.
     */
    String faultLabel() {
        return fault.refuseUpgrade() && phase != Phase.BEFORE_SUBMIT ? "ws_rst + upgrades refused 2 s" : fault.label();
    }

    /**
     * What must happen. Everything but a restart must end in success. A restart wipes queue and history (both
     * in memory), so a prompt the server had accepted and not finished is lost and must be reported as lost,
     * never posted again; see {@link #reason()} for the phases where a restart leaves nothing to lose.
     */
    Outcome expected() {
        if (!fault.restart()) {
            return Outcome.SUCCESS;
        }
        return switch (phase) {
            case BEFORE_SUBMIT, DURING_DOWNLOAD -> Outcome.SUCCESS;
            case AFTER_SUCCESS_BEFORE_HISTORY -> mode == Mode.WEBSOCKET ? Outcome.SUCCESS : Outcome.LOST;
            default -> Outcome.LOST;
        };
    }

    String expectedLabel() {
        if (expected() == Outcome.LOST) {
            return "lost, reported, never resubmitted";
        }
        return "success, every output intact";
    }

    /** Why a restart row expects what it expects (empty for the other faults). */
    String reason() {
        if (!fault.restart()) {
            return "";
        }
        return switch (phase) {
            case BEFORE_SUBMIT -> "the restart cuts POST /prompt before the server queued it: the id is in neither "
                    + "/queue nor /history, so the engine sends it again (the server never accepted the first)";
            case QUEUED, FIRST_NODE, MID_SAMPLER -> "accepted, not finished, wiped with the queue: lost, not re-posted";
            case BETWEEN_NODES -> mode == Mode.WEBSOCKET
                    ? "the prompt did not finish: lost; an output announced before the restart stays in the result"
                    : "the prompt did not finish: lost; polling never saw the first output (history is gone)";
            case AFTER_SUCCESS_BEFORE_HISTORY -> mode == Mode.WEBSOCKET
                    ? "execution_success and every output arrived over the socket before the restart: a finished "
                    + "result, kept without history"
                    : "the history write never happened and polling learns success only from it: lost, outputs "
                    + "unknown to the engine, not re-posted";
            case DURING_DOWNLOAD -> "the prompt had finished; the restart drops the GET /view, the files survive on "
                    + "disk and the engine's one retry of the GET on a fresh connection gets them at once";
        };
    }

    String name() {
        return faultLabel() + " @ " + phase.label + " / " + mode.label;
    }
}
