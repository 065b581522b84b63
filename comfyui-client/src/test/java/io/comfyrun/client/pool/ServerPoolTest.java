package io.comfyrun.client.pool;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.client.ComfyClient;
import io.comfyrun.client.Deadlines;
import io.comfyrun.client.Outcome;
import io.comfyrun.client.PromptRequest;
import io.comfyrun.client.PromptResult;
import io.comfyrun.client.ServerConfig;
import io.comfyrun.client.ServerConnection;
import io.comfyrun.client.progress.ProgressListener;
import io.comfyrun.fake.FakeComfyUI;
import io.comfyrun.fake.journal.JournalEntry;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A pool of several real fake servers on loopback, one engine. */
class ServerPoolTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String TXT2IMG = """
            {"3": {"class_type": "KSampler", "inputs": {"cfg": 8, "denoise": 1, "latent_image": ["5", 0],
               "model": ["4", 0], "negative": ["7", 0], "positive": ["6", 0], "sampler_name": "euler",
               "scheduler": "normal", "seed": %d, "steps": %d}},
             "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "fake_sd15_random.safetensors"}},
             "5": {"class_type": "EmptyLatentImage", "inputs": {"batch_size": 1, "height": 64, "width": 64}},
             "6": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": "a lighthouse"}},
             "7": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": "blurry"}},
             "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
             "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}}}
            """;

    final List<FakeComfyUI> fakes = new ArrayList<>();
    ComfyClient client = ComfyClient.builder().silenceReconcile(Duration.ofSeconds(2)).build();

    @AfterEach
    void tearDown() {
        client.close();
        fakes.forEach(FakeComfyUI::close);
    }

    FakeComfyUI fake(double timeScale, long seed) {
        FakeComfyUI f = FakeComfyUI.builder().port(0).timeScale(timeScale).seed(seed).start();
        fakes.add(f);
        return f;
    }

    /** A fake whose KSampler takes minutes: prompts stay in flight until the test cancels them. */
    FakeComfyUI slowFake(long seed) {
        FakeComfyUI f = fake(1, seed);
        f.scenario().stepsPerSecond("KSampler", 0.01);
        return f;
    }

    static PromptRequest prompt(long seed, int steps) throws IOException {
        return PromptRequest.of((ObjectNode) JSON.readTree(TXT2IMG.formatted(seed, steps)));
    }

    static ServerConfig config(FakeComfyUI f) {
        return ServerConfig.of(f.baseUrl());
    }

    static List<String> postedIds(FakeComfyUI f) throws IOException {
        List<String> ids = new ArrayList<>();
        for (JournalEntry e : f.journal().requests("POST", "/prompt")) {
            ids.add(JSON.readTree(e.text()).path("prompt_id").asText());
        }
        return ids;
    }

    static PromptResult await(PooledPrompt p) throws Exception {
        return p.result().get(60, TimeUnit.SECONDS);
    }

    @Test
    void promptsSubmittedTogetherSpreadEvenlyAndTiesGoRoundRobin() throws Exception {
        FakeComfyUI a = slowFake(1);
        FakeComfyUI b = slowFake(2);
        FakeComfyUI c = slowFake(3);
        ServerPool pool = ServerPool.builder("farm").member("gpu-a", config(a)).member("gpu-b", config(b))
                .member("gpu-c", config(c)).build(client);
        List<PooledPrompt> prompts = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            prompts.add(pool.submit(prompt(i, 20), ProgressListener.NONE));
        }
        assertThat(prompts).extracting(p -> p.member().orElseThrow().name())
                .containsExactly("gpu-a", "gpu-b", "gpu-c", "gpu-a", "gpu-b", "gpu-c");
        for (FakeComfyUI f : List.of(a, b, c)) {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> f.journal().requests("POST", "/prompt").size() == 2);
        }
        assertThat(pool.loads()).allSatisfy(l -> assertThat(l.poolInFlight()).isEqualTo(2));
        prompts.forEach(PooledPrompt::cancel);
        for (PooledPrompt p : prompts) {
            PromptResult r = await(p);
            assertThat(r.outcome()).isEqualTo(Outcome.INTERRUPTED);
            assertThat(r.server()).isEqualTo(p.member().orElseThrow().config().baseUrl());
        }
    }

    @Test
    void aMemberOthersKeepBusyGetsNoMoreOfOurPromptsThanItsQueueAllows() throws Exception {
        FakeComfyUI busy = slowFake(4);
        FakeComfyUI b = slowFake(5);
        FakeComfyUI c = slowFake(6);
        // another client (its own engine and socket) fills one server with 4 prompts
        try (ComfyClient other = ComfyClient.create()) {
            for (int i = 0; i < 4; i++) {
                other.submit(config(busy), prompt(100 + i, 20), ProgressListener.NONE);
            }
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> busy.journal().requests("POST", "/prompt").size() == 4);
            ServerPool pool = ServerPool.builder("farm").member("busy", config(busy)).member("gpu-b", config(b))
                    .member("gpu-c", config(c)).build(client);
            // the pool knows nothing of "busy" until its socket reports a status: the first prompt goes there
            PooledPrompt first = pool.submit(prompt(1, 20), ProgressListener.NONE);
            assertThat(first.member().orElseThrow().name()).isEqualTo("busy");
            ServerConnection busyConnection = client.servers().connection(config(busy));
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> busyConnection.queueRemaining() == 5);

            List<PooledPrompt> more = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                more.add(pool.submit(prompt(10 + i, 20), ProgressListener.NONE));
            }
            // b and c go from 0 to 3 each; busy (5 in its queue) is never the least loaded
            assertThat(more).extracting(p -> p.member().orElseThrow().name())
                    .containsOnly("gpu-b", "gpu-c").filteredOn("gpu-b"::equals).hasSize(3);
            assertThat(pool.loads()).filteredOn(l -> l.member().name().equals("busy")).singleElement()
                    .satisfies(l -> assertThat(l.queueRemaining()).isEqualTo(5));
            more.forEach(PooledPrompt::cancel);
            first.cancel();
            for (PooledPrompt p : more) {
                await(p);
            }
            await(first);
        }
    }

    @Test
    void anUnreachableMemberIsSkippedAndNoPromptIsPostedTwice() throws Exception {
        FakeComfyUI a = fake(200, 7);
        FakeComfyUI b = fake(200, 8);
        URI dead = deadUrl();
        ServerPool pool = ServerPool.builder("farm").member("gpu-dead", ServerConfig.of(dead))
                .member("gpu-a", config(a)).member("gpu-b", config(b)).build(client);
        Deadlines quickConnect = Deadlines.DEFAULTS.withConnect(Duration.ofSeconds(2));
        List<String> skippedLines = new CopyOnWriteArrayList<>();
        PoolListener notes = new PoolListener() {
            @Override
            public void skipped(PoolMember member, String reason) {
                skippedLines.add(member.name() + ": " + reason);
            }
        };
        List<PooledPrompt> prompts = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            prompts.add(pool.submit(prompt(i, 4).withDeadlines(quickConnect), ProgressListener.NONE, notes));
        }
        Set<String> ran = new HashSet<>();
        for (PooledPrompt p : prompts) {
            PromptResult r = await(p);
            assertThat(r.outcome()).as(r.toString()).isEqualTo(Outcome.SUCCESS);
            assertThat(p.member().orElseThrow().name()).isIn("gpu-a", "gpu-b");
            assertThat(r.server()).isEqualTo(p.member().orElseThrow().config().baseUrl());
            ran.add(r.promptId());
        }
        assertThat(prompts.get(0).skipped()).extracting(PoolMember::name).containsExactly("gpu-dead");
        assertThat(skippedLines).isNotEmpty().allSatisfy(l -> assertThat(l).startsWith("gpu-dead: ").contains("could not connect"));
        List<String> posted = new ArrayList<>(postedIds(a));
        posted.addAll(postedIds(b));
        assertThat(posted).as("each prompt posted exactly once").hasSize(6).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(ran);
    }

    @Test
    void aMemberKilledMidBatchLosesOnlyThePromptsItHadAcceptedAndTheRestRunElsewhere() throws Exception {
        FakeComfyUI a = fake(50, 9);
        FakeComfyUI b = fake(50, 10);
        FakeComfyUI victim = slowFake(11);
        ServerPool pool = ServerPool.builder("farm").member("gpu-a", config(a)).member("gpu-b", config(b))
                .member("victim", config(victim)).build(client);
        // a killed server sends nothing and answers nothing: after 5 s without a sign of life its prompts end
        Deadlines deadlines = Deadlines.DEFAULTS.withConnect(Duration.ofSeconds(2)).withNoSignal(Duration.ofSeconds(5))
                .withSubmit(Duration.ofSeconds(5));
        List<PooledPrompt> first = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            first.add(pool.submit(prompt(i, 4).withDeadlines(deadlines), ProgressListener.NONE));
        }
        List<PooledPrompt> onVictim = first.stream().filter(p -> p.member().orElseThrow().name().equals("victim")).toList();
        assertThat(onVictim).hasSize(2);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> victim.journal().requests("POST", "/prompt").size() == 2);
        List<String> acceptedByVictim = postedIds(victim);
        victim.close();

        List<PooledPrompt> later = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            later.add(pool.submit(prompt(10 + i, 4).withDeadlines(deadlines), ProgressListener.NONE));
        }
        for (PooledPrompt p : onVictim) {
            PromptResult r = await(p);
            assertThat(r.outcome()).as(r.toString()).isNotEqualTo(Outcome.SUCCESS);
            assertThat(r.promptId()).isIn(acceptedByVictim);
        }
        // Every prompt is accounted for: it ran on a live member, or it ended on the victim without running twice.
        List<PooledPrompt> all = new ArrayList<>(first);
        all.addAll(later);
        Set<String> succeeded = new HashSet<>();
        for (PooledPrompt p : all) {
            PromptResult r = await(p);
            String member = p.member().orElseThrow().name();
            if (member.equals("victim")) {
                assertThat(r.outcome()).as(r.toString()).isNotEqualTo(Outcome.SUCCESS);
            } else {
                assertThat(r.outcome()).as(r.toString()).isEqualTo(Outcome.SUCCESS);
                succeeded.add(r.promptId());
            }
        }
        assertThat(first).filteredOn(p -> !onVictim.contains(p)).allSatisfy(p -> assertThat(p.result().join().isSuccess()).isTrue());
        List<String> posted = new ArrayList<>(postedIds(a));
        posted.addAll(postedIds(b));
        assertThat(posted).as("nothing the victim accepted was posted again, nothing posted twice")
                .doesNotContainAnyElementsOf(acceptedByVictim).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(succeeded);
        // once the engine saw the victim's socket go, the pool stopped routing there
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> pool.loads().get(2).state() != io.comfyrun.client.ConnectionState.OPEN);
        PooledPrompt after = pool.submit(prompt(99, 4).withDeadlines(deadlines), ProgressListener.NONE);
        assertThat(after.member().orElseThrow().name()).isIn("gpu-a", "gpu-b");
        assertThat(await(after).isSuccess()).isTrue();
    }

    @Test
    void maxInFlightMakesPromptsWaitInThePoolAndACancelledWaiterIsNeverPosted() throws Exception {
        FakeComfyUI a = fake(50, 12);
        FakeComfyUI b = fake(50, 13);
        ServerPool pool = ServerPool.builder("farm").member("gpu-a", config(a), 1).member("gpu-b", config(b), 1).build(client);
        List<PooledPrompt> prompts = new CopyOnWriteArrayList<>();
        List<String> routedWhileFull = new CopyOnWriteArrayList<>();
        List<Integer> waitingSeen = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 4; i++) {
            int index = i;
            prompts.add(pool.submit(prompt(i, 8), ProgressListener.NONE, new PoolListener() {
                @Override
                public void routed(PoolMember member) {
                    if (index >= 2 && prompts.stream().limit(2).noneMatch(p -> p.handle().map(h -> h.result().isDone()).orElse(false))) {
                        routedWhileFull.add(index + " to " + member.name());
                    }
                }

                @Override
                public void waiting(int n) {
                    waitingSeen.add(n);
                }
            }));
        }
        // the first two took one slot each; the others wait in the pool, without a thread
        assertThat(waitingSeen).containsExactly(1, 2);
        PromptResult cancelled = prompts.get(3).cancel().thenCompose(v -> prompts.get(3).result()).get(10, TimeUnit.SECONDS);
        assertThat(cancelled.outcome()).isEqualTo(Outcome.INTERRUPTED);
        assertThat(cancelled.firstError()).contains("never submitted");
        for (int i = 0; i < 3; i++) {
            assertThat(await(prompts.get(i)).outcome()).isEqualTo(Outcome.SUCCESS);
        }
        assertThat(routedWhileFull).as("a waiter is routed only once a slot is free").isEmpty();
        assertThat(pool.waiting()).isZero();
        List<String> posted = new ArrayList<>(postedIds(a));
        posted.addAll(postedIds(b));
        assertThat(posted).hasSize(3).doesNotHaveDuplicates();
    }

    @Test
    void whenNoMemberCanBeReachedThePromptEndsUnreachableNamingEveryMemberTried() throws Exception {
        ServerPool pool = ServerPool.builder("farm").member("gpu-x", ServerConfig.of(deadUrl()))
                .member("gpu-y", ServerConfig.of(deadUrl())).build(client);
        List<io.comfyrun.client.progress.PromptEvent> events = new CopyOnWriteArrayList<>();
        PooledPrompt p = pool.submit(prompt(1, 4).withDeadlines(Deadlines.DEFAULTS.withConnect(Duration.ofSeconds(1))), events::add);
        PromptResult r = await(p);
        assertThat(r.outcome()).isEqualTo(Outcome.UNREACHABLE);
        assertThat(r.firstError()).contains("no member of pool farm could be reached (tried [gpu-x, gpu-y])");
        assertThat(p.skipped()).extracting(PoolMember::name).containsExactly("gpu-x", "gpu-y");
        assertThat(events).filteredOn(e -> e instanceof io.comfyrun.client.progress.PromptEvent.Finished)
                .as("the listener sees one end, not one per member").hasSize(1);
    }

    @Test
    void badPoolDefinitionsAreRefusedWithTheirNames() {
        ServerConfig one = ServerConfig.of("http://127.0.0.1:1/");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServerPool.builder("farm").build(client))
                .hasMessageContaining("server pool farm has no members");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServerPool.builder("farm").member("a", one).member("b", one))
                .hasMessageContaining("pool farm already has a member at http://127.0.0.1:1/");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServerPool.builder("farm").member("a", one, -1))
                .hasMessageContaining("maxInFlight of pool member a");
    }

    /** A loopback port nobody listens on (bound, then released). */
    static URI deadUrl() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return URI.create("http://127.0.0.1:" + s.getLocalPort() + "/");
        }
    }

    static String names(List<PooledPrompt> ps) {
        return ps.stream().map(p -> p.member().map(PoolMember::name).orElse("-")).collect(Collectors.joining(","));
    }
}
