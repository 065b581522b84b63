package io.jenkins.plugins.comfyrun;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyrun.client.TrackingMethod;
import io.comfyrun.client.progress.NodeRef;
import io.comfyrun.client.progress.PromptEvent;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The build-page model: live progress from engine events, the final timeline, thumbnails of archived outputs only. */
class ComfyRunActionTest {
    private static final String ID = "5f1c2a9e-0000-4000-8000-000000000001";

    @Test
    void followsLiveProgress() {
        ComfyRunAction a = new ComfyRunAction(ID, "gpu-1");
        assertThat(a.getStatus()).isEqualTo("SUBMITTING");
        assertThat(a.isInProgress()).isTrue();
        assertThat(a.getUrlName()).isEqualTo("comfyui-" + ID);
        assertThat(a.getDisplayName()).isEqualTo("ComfyUI 5f1c2a9e");

        BuildPageProgress.apply(a, new PromptEvent.Submitted(ID, URI.create("http://gpu-1:8188/"), TrackingMethod.WEBSOCKET));
        BuildPageProgress.apply(a, new PromptEvent.Queued(ID, 2, 3));
        assertThat(a.getStatus()).isEqualTo("QUEUED");
        assertThat(a.getQueuePosition()).isEqualTo(2);
        assertThat(a.getMethod()).isEqualTo("websocket");

        NodeRef sampler = new NodeRef("3", "KSampler", "KSampler");
        BuildPageProgress.apply(a, new PromptEvent.Started(ID, List.of()));
        BuildPageProgress.apply(a, new PromptEvent.NodeStarted(ID, sampler));
        BuildPageProgress.apply(a, new PromptEvent.StepProgress(ID, sampler, 9, 20, 0.613, Duration.ofSeconds(4)));
        assertThat(a.getStatus()).isEqualTo("RUNNING");
        assertThat(a.getQueuePosition()).isNull();
        assertThat(a.getCurrentNode()).isEqualTo("3 KSampler");
        assertThat(a.getPercent()).isEqualTo(61);
    }

    @Test
    void finishedShowsTheTimeline() {
        TestJenkins.TestRun run = TestJenkins.TestRun.create("p");
        ComfyRunAction a = new ComfyRunAction(ID, "gpu-1");
        run.addAction(a);
        a.onAttached(run);
        a.finished("SUCCESS", "websocket", 6_200,
                List.of(new ComfyRunAction.NodeEntry("4", "CheckpointLoaderSimple", "Load Checkpoint", true, 0),
                        new ComfyRunAction.NodeEntry("3", "KSampler", "KSampler", false, 5_000)),
                List.of(new ComfyRunAction.OutputEntry("9", "ComfyUI_00001_.png", "", "output", "comfyui-out/ComfyUI_00001_.png", 1234),
                        new ComfyRunAction.OutputEntry("9", "ComfyUI_00002_.png", "", "output", "comfyui-out/ComfyUI_00002_.png", 1234),
                        new ComfyRunAction.OutputEntry("10", "clip.mp4", "", "output", "comfyui-out/clip.mp4", 99),
                        new ComfyRunAction.OutputEntry("9", "remote.png", "", "output", null, -1)),
                List.of());
        assertThat(a.isInProgress()).isFalse();
        assertThat(a.getPercent()).isEqualTo(100);
        assertThat(a.getDurationText()).isEqualTo("6.2 s");
        assertThat(a.getNodes()).extracting(ComfyRunAction.NodeEntry::getDurationText).containsExactly("cached", "5.0 s");
        assertThat(a.getMaxNodeMillis()).isEqualTo(5_000);

        assertThat(run.getAction(ComfyRunAction.class)).isSameAs(a);
        // thumbnails of archived outputs need a real build's artifacts: ComfyRunStepJenkinsTest#thumbnailsOnlyForArchivedOutputs
    }

    @Test
    void noArtifactWalkWhenNoOutputCanHaveAThumbnail() {
        TestJenkins.TestRun run = TestJenkins.TestRun.create("p");
        ComfyRunAction a = new ComfyRunAction(ID, "gpu-1");
        run.addAction(a);
        a.onAttached(run);
        a.finished("SUCCESS", "websocket", 10, List.of(),
                List.of(new ComfyRunAction.OutputEntry("9", "remote.png", "", "output", null, -1)), List.of());
        assertThat(a.getThumbnails()).isEmpty(); // the mirror's Run.getArtifacts() throws: it was not called
    }

    @Test
    void liveFieldsAreExportedForTheProgressScript() throws NoSuchMethodException {
        assertThat(ComfyRunAction.class.getAnnotation(org.kohsuke.stapler.export.ExportedBean.class)).isNotNull();
        for (String getter : List.of("getPromptId", "getServer", "getStatus", "getPercent", "getCurrentNode", "getQueuePosition",
                "getMethod", "getDurationMillis")) {
            assertThat(ComfyRunAction.class.getMethod(getter).getAnnotation(org.kohsuke.stapler.export.Exported.class))
                    .as(getter).isNotNull();
        }
    }

    /** After a controller restart the engine starts its count again with no cached list: the page keeps what it showed. */
    @Test
    void aRestartKeepsTheCachedNodeCountAndTheWorkflowPercentage() {
        ComfyRunAction a = new ComfyRunAction(ID, "gpu-1");
        NodeRef sampler = new NodeRef("3", "KSampler", "KSampler");
        BuildPageProgress.apply(a, new PromptEvent.Started(ID, List.of(new NodeRef("4", "CheckpointLoaderSimple", "Load Checkpoint"),
                new NodeRef("6", "CLIPTextEncode", "Positive"))));
        BuildPageProgress.apply(a, new PromptEvent.StepProgress(ID, sampler, 12, 20, 0.6, Duration.ofSeconds(4)));
        assertThat(a.getCachedNodes()).isEqualTo(2);
        // the resumed engine: Started without the cached nodes, then a fraction over the nodes it knows of
        BuildPageProgress.apply(a, new PromptEvent.Started(ID, List.of()));
        BuildPageProgress.apply(a, new PromptEvent.StepProgress(ID, sampler, 13, 20, 0.2, Duration.ofSeconds(3)));
        assertThat(a.getCachedNodes()).isEqualTo(2);
        assertThat(a.getPercent()).isEqualTo(60);
        assertThat(a.getCurrentNode()).isEqualTo("3 KSampler");
    }

    /** A build that is over has nothing in flight, whatever the status says; the script reads buildOver to stop polling. */
    @Test
    void aBuildThatIsOverIsNeverInProgress() throws NoSuchMethodException {
        TestJenkins.TestRun run = TestJenkins.TestRun.create("p");
        ComfyRunAction a = new ComfyRunAction(ID, "gpu-1");
        run.addAction(a);
        a.onAttached(run);
        BuildPageProgress.apply(a, new PromptEvent.Started(ID, List.of()));
        assertThat(a.isInProgress()).isTrue();
        assertThat(a.isBuildOver()).isFalse();
        run.building(false);
        assertThat(a.isBuildOver()).isTrue();
        assertThat(a.isInProgress()).isFalse();
        for (String getter : List.of("isBuildOver", "getCachedNodes")) {
            assertThat(ComfyRunAction.class.getMethod(getter).getAnnotation(org.kohsuke.stapler.export.Exported.class)).as(getter).isNotNull();
        }
    }

    /**
     * Every Jelly expression of the plugin's views: no property may be named like a keyword of Jenkins' expression
     * language (commons-jexl 1.1-jenkins), which refuses to parse it ("${o.size}" is an HTTP 500 in Jenkins).
     */
    @Test
    void noJellyExpressionUsesAnExpressionLanguageKeywordAsAProperty() throws Exception {
        java.util.Set<String> keywords = java.util.Set.of("empty", "size", "or", "and", "eq", "ne", "lt", "gt", "le", "ge",
                "div", "mod", "not", "null", "true", "false", "if", "else", "while", "in", "new", "var", "return", "function",
                "foreach", "instanceof");
        java.nio.file.Path root = java.nio.file.Path.of("src/main/resources");
        java.util.List<String> bad = new java.util.ArrayList<>();
        java.util.regex.Pattern property = java.util.regex.Pattern.compile("\\.([A-Za-z_][A-Za-z0-9_]*)\\b(?!\\s*\\()");
        try (var files = java.nio.file.Files.walk(root)) {
            for (java.nio.file.Path f : files.filter(x -> x.toString().endsWith(".jelly")).toList()) {
                // ${%...} are localization keys, not expressions
                java.util.regex.Matcher expr = java.util.regex.Pattern.compile("\\$\\{([^%}][^}]*)}").matcher(java.nio.file.Files.readString(f));
                while (expr.find()) {
                    java.util.regex.Matcher m = property.matcher(expr.group(1));
                    while (m.find()) {
                        if (keywords.contains(m.group(1))) {
                            bad.add(root.relativize(f) + ": ${" + expr.group(1) + "}");
                        }
                    }
                }
            }
        }
        assertThat(bad).isEmpty();
    }

    /**
     * In a localization key {@code ${%Text (more)}} Stapler reads "(more)" as the message's ARGUMENTS, each parsed as
     * an expression: "(seconds)" silently vanished from a label, and "(0: no limit)" made the whole system
     * configuration page fail ("Unable to create expression: 0: no limit"). No key of the plugin has arguments.
     */
    @Test
    void noLocalizationKeyHasParenthesesThatStaplerWouldReadAsArguments() throws Exception {
        java.nio.file.Path root = java.nio.file.Path.of("src/main/resources");
        java.util.List<String> bad = new java.util.ArrayList<>();
        try (var files = java.nio.file.Files.walk(root)) {
            for (java.nio.file.Path f : files.filter(x -> x.toString().endsWith(".jelly")).toList()) {
                java.util.regex.Matcher key = java.util.regex.Pattern.compile("\\$\\{%([^}]*)}").matcher(java.nio.file.Files.readString(f));
                while (key.find()) {
                    if (key.group(1).contains("(")) {
                        bad.add(root.relativize(f) + ": ${%" + key.group(1) + "}");
                    }
                }
            }
        }
        assertThat(bad).isEmpty();
    }

    @Test
    void durationsReadWell() {
        assertThat(ComfyRunAction.formatMillis(940)).isEqualTo("940 ms");
        assertThat(ComfyRunAction.formatMillis(83_000)).isEqualTo("1 min 23 s");
        assertThat(ComfyRunAction.formatMillis(7_380_000)).isEqualTo("2 h 03 min");
    }
}
