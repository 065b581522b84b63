package io.comfyrun.reliability;

import io.comfyrun.client.ComfyClient;
import io.comfyrun.client.ServerAuth;
import io.comfyrun.fake.FakeComfyUI;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chaos generator's schedules (a fixed seed, so every run scans the same {@value #TRIES} per credential) re-run
 * with a bearer token and with basic auth configured on both servers. Everything they produce is scanned for the
 * secret and its base64 {@code user:password} form: every log record of every logger at ALL (with parameters and
 * stack traces), each prompt's result, result map, errors, progress, snapshot and events, the download reports,
 * the invariants' findings and the fake's journal export after each schedule. Rewrites the secrets-under-chaos
 * part of docs/reliability.md.
 */
class SecretsUnderChaosTest {

    static final int TRIES = 20;
    private static final String SEED = "7000";

    private static final List<String> LOGS = new CopyOnWriteArrayList<>();
    private static final Handler CAPTURE = new Handler() {
        @Override
        public void publish(LogRecord r) {
            LOGS.add(SecretsTest.describe(r));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private static Level savedLevel;
    private static FakeComfyUI[] fakes;
    private static final List<String> REPORT = new CopyOnWriteArrayList<>();

    @BeforeContainer
    static void start() {
        Logger root = Logger.getLogger("");
        savedLevel = root.getLevel();
        root.setLevel(Level.ALL);
        root.addHandler(CAPTURE);
        fakes = new FakeComfyUI[] {
                FakeComfyUI.builder().port(0).timeScale(SeededChaosTest.TIME_SCALE).seed(1).start(),
                FakeComfyUI.builder().port(0).timeScale(SeededChaosTest.TIME_SCALE).seed(2).start()};
    }

    @AfterContainer
    static void stop() {
        for (FakeComfyUI f : fakes) {
            f.close();
        }
        Logger root = Logger.getLogger("");
        root.removeHandler(CAPTURE);
        root.setLevel(savedLevel);
        ReliabilityDoc.writeSection(ReliabilityDoc.SECRETS_CHAOS, """
                Run by `SecretsUnderChaosTest`: the chaos generator's first %d schedules for jqwik seed %s (random
                faults on two servers, several concurrent prompts, WebSocket and polling), once with a bearer token
                and once with basic auth configured on both servers. Scanned as above, plus every prompt's progress,
                snapshot and events, the download reports, the invariants' findings and the fake's journal export
                after each schedule.

                | auth | schedules (all invariants kept) | texts scanned | log records | `POST /prompt` sent with the credential | hits |
                |---|---|---|---|---|---|
                """.formatted(TRIES, SEED) + String.join("\n", REPORT.stream().sorted().toList()) + "\n");
    }

    /** One credential's run, filled in by its schedules. */
    private static final class Scan {
        final String kind;
        final String secret;
        final ServerAuth auth;
        final List<String> forms;
        final List<String> texts = new CopyOnWriteArrayList<>();
        final int logStart = LOGS.size();
        int schedules;
        int kept;
        int carried;

        Scan(String kind) {
            this.kind = kind;
            TestCredential credential = TestCredential.of(kind);
            this.secret = credential.secret();
            this.auth = credential.auth();
            this.forms = credential.forms();
        }

        void run(ChaosSchedule schedule) throws Exception {
            try (ComfyClient client = CaseRunner.newClient()) {
                List<String> problems = SeededChaosTest.runSchedule(schedule,
                        new SeededChaosTest.Rig(fakes, client, auth, false, texts::add));
                texts.addAll(problems);
                schedules++;
                kept += problems.isEmpty() ? 1 : 0;
                for (FakeComfyUI f : fakes) {
                    // the journal export, as a user of the jar fetches it, before the next schedule clears it
                    texts.add(client.http(CaseRunner.serverConfig(f, false)).getJson("__fake/journal").toString());
                    carried += f.journal().requests("POST", "/prompt").size();
                }
                client.servers().connections().forEach(c -> texts.add(c.toString()));
                assertThat(problems).as("invariants with a credential configured: " + schedule).isEmpty();
            }
        }

        /** Scans and reports; called after the last schedule. */
        void finish() {
            List<String> logs = List.copyOf(LOGS.subList(logStart, LOGS.size()));
            int hits = 0;
            List<String> where = new ArrayList<>();
            List<String> all = new ArrayList<>(texts);
            all.addAll(logs);
            for (String t : all) {
                int n = SecretsTest.count(t, secret, forms);
                if (n > 0) {
                    hits += n;
                    where.add(t.length() > 300 ? t.substring(0, 300) + "…" : t);
                }
            }
            REPORT.add("| " + kind + " | " + schedules + " (" + kept + ") | " + texts.size() + " | " + logs.size()
                    + " | " + carried + " | " + hits + " |");
            assertThat(where).as("texts holding the secret").isEmpty();
            assertThat(logs).as("log records were captured").isNotEmpty();
        }
    }

    private static Scan bearer;
    private static Scan basic;

    @Property(tries = TRIES, seed = SEED, shrinking = ShrinkingMode.OFF)
    void noSecretUnderChaosWithABearerToken(@ForAll("schedules") ChaosSchedule schedule) throws Exception {
        if (bearer == null) {
            bearer = new Scan("bearer");
        }
        bearer.run(schedule);
        if (bearer.schedules == TRIES) {
            bearer.finish();
        }
    }

    @Property(tries = TRIES, seed = SEED, shrinking = ShrinkingMode.OFF)
    void noSecretUnderChaosWithBasicAuth(@ForAll("schedules") ChaosSchedule schedule) throws Exception {
        if (basic == null) {
            basic = new Scan("basic");
        }
        basic.run(schedule);
        if (basic.schedules == TRIES) {
            basic.finish();
        }
    }

    @Provide
    Arbitrary<ChaosSchedule> schedules() {
        return new SeededChaosTest().schedules();
    }
}
