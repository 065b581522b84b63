package io.comfyrun.reliability;

import io.comfyrun.fake.scenario.Fault.HttpAction;
import io.comfyrun.fake.scenario.Fault.WsAction;
import io.comfyrun.reliability.MatrixCase.FaultKind;
import io.comfyrun.reliability.MatrixCase.Mode;
import io.comfyrun.reliability.MatrixCase.Phase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The named fault matrix: every transport and HTTP fault of the fake × the phase it hits × the tracking mode.
 * Each row is a fresh server and engine; the run rewrites the matrix section of the reliability report (see ReliabilityDoc).
 */
class FaultMatrixTest {

    private static final List<CaseRunner.Report> REPORTS = new CopyOnWriteArrayList<>();
    private static long startedAt;

    /** The rows, in the order of the published table. */
    static List<MatrixCase> cases() {
        List<MatrixCase> cases = new ArrayList<>();
        List<FaultKind> wsFaults = new ArrayList<>();
        for (WsAction a : WsAction.values()) {
            wsFaults.add(FaultKind.ofWs(a));
        }
        wsFaults.add(FaultKind.refusedUpgrade());
        // WebSocket faults: every phase with a WebSocket in use (downloads do not use it).
        for (FaultKind f : wsFaults) {
            for (Phase p : Phase.values()) {
                if (p != Phase.DURING_DOWNLOAD) {
                    cases.add(new MatrixCase(f, p, Mode.WEBSOCKET));
                }
            }
        }
        // HTTP faults in every phase of both modes: in WebSocket mode the engine still asks /queue when a prompt
        // falls silent and /history after a socket gap, and every mode downloads over /view.
        List<FaultKind> httpFaults = new ArrayList<>();
        for (HttpAction a : HttpAction.values()) {
            httpFaults.add(FaultKind.ofHttp(a));
            if (a == HttpAction.STATUS) {
                httpFaults.add(FaultKind.ofStatus(500));
            }
        }
        for (FaultKind f : httpFaults) {
            for (Mode m : Mode.values()) {
                for (Phase p : Phase.values()) {
                    cases.add(new MatrixCase(f, p, m));
                }
            }
        }
        // A 4xx a rate-limiting proxy answers: retried like a 5xx, on submission and while polling.
        FaultKind tooMany = FaultKind.ofStatus(429);
        cases.add(new MatrixCase(tooMany, Phase.BEFORE_SUBMIT, Mode.WEBSOCKET));
        cases.add(new MatrixCase(tooMany, Phase.BEFORE_SUBMIT, Mode.POLLING));
        cases.add(new MatrixCase(tooMany, Phase.QUEUED, Mode.POLLING));
        // Server restart (queue and history are in memory) in every phase: see MatrixCase.expected().
        for (Mode m : Mode.values()) {
            for (Phase p : Phase.values()) {
                cases.add(new MatrixCase(FaultKind.serverRestart(), p, m));
            }
        }
        return cases;
    }

    @BeforeAll
    static void warmUp() throws Exception {
        CaseRunner.warmUp();
    }

    @TestFactory
    Stream<DynamicTest> faultMatrix() {
        startedAt = System.nanoTime();
        List<MatrixCase> cases = cases();
        // -Dmatrix.only=<text>: run only the rows whose name contains it (while working on a row; never published)
        String only = System.getProperty("matrix.only", "");
        return cases.stream().filter(c -> c.name().contains(only)).map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            CaseRunner.Report r = CaseRunner.run(c, 1000 + cases.indexOf(c));
            REPORTS.add(r);
            System.out.println("matrix row: " + c.name() + " -> " + r.observed() + " in " + r.millis() + " ms; "
                    + (r.pass() ? r.notes() : r.problems()));
            assertThat(r.problems()).as(c.name()).isEmpty();
        }));
    }

    @AfterAll
    static void publish() {
        if (REPORTS.isEmpty() || !System.getProperty("matrix.only", "").isEmpty()) {
            return;
        }
        long seconds = (System.nanoTime() - startedAt) / 1_000_000_000L;
        long pass = REPORTS.stream().filter(CaseRunner.Report::pass).count();
        StringBuilder b = new StringBuilder();
        b.append("Run by `FaultMatrixTest` (").append(REPORTS.size()).append(" rows, ").append(pass).append(" PASS, ")
                .append(REPORTS.size() - pass).append(" FAIL, ").append(seconds).append(" s wall-clock on this machine).\n\n");
        b.append("""
                Each row is a fresh fake server (virtual time x%s) and a fresh engine. The fault is installed at the
                phase named. WebSocket faults fire on the exact frame: the first `status` after connect, the first
                `executing` of the prompt, sampler step 4, the first `executed` output message between the two
                output nodes, `execution_success` with the history write held back 3 s. "Queued" faults fire while
                the prompt waits behind a running blocker. HTTP faults hit the request the engine really makes in
                that phase (named in the notes): `POST /prompt`; in polling mode the next `GET /queue` poll; over a
                WebSocket the `GET /queue` of the silence reconcile, which the engine asks when a prompt has been
                silent for a while (the phase is made silent for 1 s: a slow node 4, two slow sampler steps, a slow
                node 10 after node 9's file is written); after success the `GET /history/{id}` (over a WebSocket
                the engine reads history only after a gap, so the socket is reset at `execution_success`); during
                download `GET /view`. `http_status 429` is a rate-limiting proxy's answer, retried like a 5xx. A
                restart wipes queue and history at the phase; the notes give the reasoning behind each expected
                outcome (the rule: a prompt the server accepted is never posted again, and a result the engine
                already holds is never dropped). A row passes only if: the outcome is the expected one within %d s;
                the fault really fired; the server journaled exactly one accepted `POST /prompt` for the prompt id;
                the engine holds no subscription afterwards; the outputs in the server's history (its output folder
                when a restart wiped the history) equal the reported outputs and every file downloads byte-identical
                to `/view` (after a failed download, nothing partial is left and the error names the file; after a
                restart the first download must succeed outright, the engine retrying a GET once when it failed on
                a reused keep-alive connection; a lost prompt's already-announced outputs must download intact); no WebSocket stays open on the fake; no
                thread or socket of the engine or the fake outlives the case.
                Time = from submission to the outcome, real milliseconds.

                | # | fault | phase | mode | expected | observed | time (ms) | result | notes |
                |---|---|---|---|---|---|---|---|---|
                """.formatted(fmt(CaseRunner.TIME_SCALE), CaseRunner.CASE_DEADLINE.toSeconds()));
        int i = 1;
        for (MatrixCase c : cases()) {
            CaseRunner.Report r = REPORTS.stream().filter(x -> x.c().equals(c)).findFirst().orElse(null);
            if (r == null) {
                continue;
            }
            String observed = r.observed() == null ? "no outcome" : r.observed().label();
            String notes = r.pass() ? r.notes() : String.join("; ", r.problems());
            b.append("| ").append(i++).append(" | `").append(c.faultLabel()).append("` | ").append(c.phase().label)
                    .append(" | ").append(c.mode().label).append(" | ").append(c.expectedLabel()).append(" | ")
                    .append(observed).append(" | ").append(r.millis() < 0 ? "-" : String.valueOf(r.millis()))
                    .append(" | ").append(r.pass() ? "PASS" : "**FAIL**").append(" | ")
                    .append(notes.replace("|", "/").replace("\n", " ")).append(" |\n");
        }
        b.append("\nRun only the matrix: `mvn -B -pl reliability -am verify -Dtest=FaultMatrixTest -Dsurefire.failIfNoSpecifiedTests=false` (add `-Dreliability.publish=true` to rewrite this file).\n");
        ReliabilityDoc.writeSection(ReliabilityDoc.MATRIX, b.toString());
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }
}
