package io.comfyrun.client;

import io.comfyrun.fake.FakeComfyUI;
import io.comfyrun.fake.journal.JournalEntry;
import io.comfyrun.fake.scenario.Fault;
import io.comfyrun.fake.scenario.Trigger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static io.comfyrun.client.EngineFixture.await;
import static io.comfyrun.client.EngineFixture.txt2img;
import static org.assertj.core.api.Assertions.assertThat;

/** The engine behind what a reverse proxy adds in front of ComfyUI: credentials and a sub-path. */
class ProxiedServerTest {

    static final String TOKEN = "tok-3f9a1c";

    /**
     * Refused credentials must end the prompt at once, not at the connect deadline: with this deadline a test that
     * waited for it would exceed the 30 s of {@link EngineFixture#await}.
     */
    static final Deadlines LONG_CONNECT = Deadlines.DEFAULTS.withConnect(Duration.ofMinutes(10));

    EngineFixture f;

    @AfterEach
    void tearDown() {
        if (f != null) {
            f.close();
        }
    }

    private void serve(FakeComfyUI.Builder options) {
        f = new EngineFixture(options.timeScale(200), ComfyClient.builder().silenceReconcile(Duration.ofSeconds(2)));
    }

    private void assertTrackedBySocketAndSucceeds(ServerConfig server) throws Exception {
        PromptResult r = await(f.client.submit(server, PromptRequest.of(txt2img(21, 4)), null));
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.method()).isEqualTo(TrackingMethod.WEBSOCKET);
        assertThat(r.outputs()).hasSize(1);
        assertThat(f.wsOpens()).as("the WebSocket upgrade got through the door").isGreaterThanOrEqualTo(1);
        assertThat(refusals()).isZero();
    }

    private long refusals() {
        return f.fake.journal().entries(e -> e.kind() == JournalEntry.Kind.HTTP_RESPONSE && e.status() == 401).size();
    }

    private void assertNoCredentialInJournal(String secret) {
        assertThat(f.fake.journal().entries()).noneMatch(e -> String.valueOf(e.text()).contains(secret)
                || String.valueOf(e.path()).contains(secret) || String.valueOf(e.type()).contains(secret));
    }

    @Test
    void bearerTokenReachesHttpAndTheWebSocketUpgrade() throws Exception {
        serve(FakeComfyUI.builder().requireAuth("Bearer " + TOKEN));
        assertTrackedBySocketAndSucceeds(f.server().withAuth(ServerAuth.bearer(TOKEN)));
        assertNoCredentialInJournal(TOKEN);
    }

    @Test
    void basicAuthReachesHttpAndTheWebSocketUpgrade() throws Exception {
        ServerAuth basic = ServerAuth.basic("ada", "pa55:word");
        serve(FakeComfyUI.builder().requireAuth(basic.headers().get("Authorization")));
        assertTrackedBySocketAndSucceeds(f.server().withAuth(basic));
        assertNoCredentialInJournal(basic.headers().get("Authorization").substring("Basic ".length()));
    }

    @Test
    void customHeaderReachesHttpAndTheWebSocketUpgrade() throws Exception {
        serve(FakeComfyUI.builder().requireAuth("X-API-Key", TOKEN));
        assertTrackedBySocketAndSucceeds(f.server().withAuth(new ServerAuth.Headers(Map.of("X-API-Key", TOKEN))));
        assertNoCredentialInJournal(TOKEN);
    }

    @Test
    void aMissingCredentialIsUnreachableWith401NamingTheServer() throws Exception {
        serve(FakeComfyUI.builder().requireAuth("Bearer " + TOKEN));
        PromptResult r = await(f.client.submit(f.server(), PromptRequest.of(txt2img(22, 4))
                .withDeadlines(LONG_CONNECT), null));

        assertThat(r.outcome()).isEqualTo(Outcome.UNREACHABLE);
        assertThat(r.errors()).singleElement().satisfies(e -> assertThat(e.message())
                .contains(f.fake.baseUrl().toString()).contains("401")
                .contains("check the credentials configured for " + f.fake.baseUrl()));
        assertThat(f.requests("POST", "/prompt")).as("refused at the door, never submitted")
                .isEqualTo(0);
        assertThat(refusals()).isGreaterThanOrEqualTo(1);
        assertThat(f.fake.journal().entries(e -> e.kind() == JournalEntry.Kind.HTTP_RESPONSE && e.status() == 401))
                .allSatisfy(e -> assertThat(e.text()).isEqualTo("refused: no authorization header"));
    }

    @Test
    void aWrongCredentialIsUnreachableWith401AndTheJournalNeverHoldsIt() throws Exception {
        serve(FakeComfyUI.builder().requireAuth("Bearer " + TOKEN));
        String wrong = "wrong-7d2e";
        PromptResult r = await(f.client.submit(f.server().withAuth(ServerAuth.bearer(wrong)),
                PromptRequest.of(txt2img(23, 4)).withDeadlines(LONG_CONNECT), null));

        assertThat(r.outcome()).isEqualTo(Outcome.UNREACHABLE);
        assertThat(r.errors()).singleElement().satisfies(e -> assertThat(e.message())
                .contains(f.fake.baseUrl().toString()).contains("401").doesNotContain(wrong));
        assertThat(f.fake.journal().entries(e -> e.kind() == JournalEntry.Kind.HTTP_RESPONSE && e.status() == 401))
                .isNotEmpty().allSatisfy(e -> assertThat(e.text()).isEqualTo("refused: authorization header does not match"));
        assertNoCredentialInJournal(wrong);
        assertNoCredentialInJournal(TOKEN);
    }

    @Test
    void a403OnTheHealthCheckEndsAtOnceAndTheNextSubmissionChecksAgain() throws Exception {
        serve(FakeComfyUI.builder());
        f.fake.faults().http(Trigger.onRoute("GET", "/system_stats"), Fault.HttpAction.STATUS, 403); // fires once
        PromptResult r = await(f.client.submit(f.server(), PromptRequest.of(txt2img(25, 4))
                .withDeadlines(LONG_CONNECT), null));

        assertThat(r.outcome()).isEqualTo(Outcome.UNREACHABLE);
        assertThat(r.errors()).singleElement().satisfies(e -> assertThat(e.message())
                .contains(f.fake.baseUrl().toString()).contains("403")
                .contains("check the credentials configured for " + f.fake.baseUrl()));
        assertThat(f.requests("POST", "/prompt")).isZero();
        assertThat(f.requests("GET", "/system_stats")).as("no retry loop after a refusal").isEqualTo(1);

        assertThat(await(f.client.submit(f.server(), PromptRequest.of(txt2img(26, 4)), null)).outcome())
                .as("a refusal is not remembered: the next submission asks the server again")
                .isEqualTo(Outcome.SUCCESS);
    }

    @Test
    void aBasePathServerWorksEndToEndOverTheWebSocket() throws Exception {
        serve(FakeComfyUI.builder().basePath("/comfy"));
        assertThat(f.fake.baseUrl().getPath()).isEqualTo("/comfy");
        assertTrackedBySocketAndSucceeds(f.server());
        assertThat(f.fake.journal().entries(e -> e.kind() == JournalEntry.Kind.HTTP_REQUEST))
                .allSatisfy(e -> assertThat(e.path()).startsWith("/comfy/"));
        assertThat(f.fake.journal().entries(e -> e.kind() == JournalEntry.Kind.WS_OPEN)).singleElement()
                .satisfies(e -> assertThat(e.path()).isEqualTo("/ws"));
    }

    @Test
    void aBasePathServerWorksEndToEndByPolling() throws Exception {
        serve(FakeComfyUI.builder().basePath("/comfy/"));
        PromptResult r = await(f.client.submit(f.polling(), PromptRequest.of(txt2img(24, 4)), null));

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.method()).isEqualTo(TrackingMethod.POLLING);
        assertThat(r.outputs()).singleElement().satisfies(o -> assertThat(o.nodeId()).isEqualTo("9"));
        assertThat(f.wsOpens()).isZero();
        assertThat(f.fake.journal().entries(e -> e.kind() == JournalEntry.Kind.HTTP_RESPONSE && e.status() == 404))
                .as("nothing was asked outside the base path").isEmpty();
    }
}
