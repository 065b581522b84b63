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

    /** A fault of the fake: a WebSocket wire action, a refused upgrade, an HTTP action, or a restart. */
    record FaultKind(String label, WsAction ws, HttpAction http, boolean refuseUpgrade, boolean restart) {

        static FaultKind ofWs(WsAction a) {
            return new FaultKind("ws_" + a.name().toLowerCase(Locale.ROOT), a, null, false, false);
        }

        static FaultKind ofHttp(HttpAction a) {
            return new FaultKind("http_" + a.name().toLowerCase(Locale.ROOT)
                    + (a == HttpAction.STATUS ? " 503" : a == HttpAction.DELAY ? " > read timeout" : ""), null, a, false, false);
        }

        static FaultKind refusedUpgrade() {
            return new FaultKind("ws_refuse_upgrade", null, null, true, false);
        }

        static FaultKind serverRestart() {
            return new FaultKind("restart", null, null, false, true);
        }

        boolean isWebSocket() {
            return ws != null || refuseUpgrade;
        }
    }

    /** What must happen: a restart loses the prompt (history is in memory); everything else must still succeed. */
    Outcome expected() {
        return fault.restart() ? Outcome.LOST : Outcome.SUCCESS;
    }

    String expectedLabel() {
        return fault.restart() ? "lost, reported, never resubmitted" : "success, every output intact";
    }

    String name() {
        return fault.label() + " @ " + phase.label + " / " + mode.label;
    }
}
