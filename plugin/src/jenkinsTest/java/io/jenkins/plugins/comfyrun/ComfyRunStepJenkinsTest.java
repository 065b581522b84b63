package io.jenkins.plugins.comfyrun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.cloudbees.plugins.credentials.Credentials;
import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.domains.Domain;
import com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl;
import hudson.model.Result;
import hudson.util.Secret;
import io.comfyrun.fake.FakeComfyUI;
import io.comfyrun.fake.scenario.Fault;
import io.comfyrun.fake.scenario.Trigger;
import java.time.Duration;
import java.util.List;
import org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.BuildWatcherExtension;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/**
 * comfyRun in a real Jenkins against the real fake ComfyUI server (real build only: plugin/real-build/pom.xml).
 */
@WithJenkins
class ComfyRunStepJenkinsTest {
    @RegisterExtension
    static final BuildWatcherExtension BUILD_WATCHER = new BuildWatcherExtension();

    private static final String TOKEN = "tok-7f3a9c1e-never-print-me";
    private static final String PASSWORD = "pw-41c09b2e-never-print-me";

    private FakeComfyUI fake;

    @BeforeEach
    void startFake() {
        fake = FakeServers.start();
    }

    @AfterEach
    void stopFake() {
        fake.close();
    }

    private void configureServer(JenkinsRule j, String credentialsId) {
        ComfyServer s = new ComfyServer("fake", fake.baseUrl().toString());
        s.setCredentialsId(credentialsId);
        ComfyGlobalConfiguration.get().setServers(List.of(s));
    }

    private WorkflowJob job(JenkinsRule j, String script) throws Exception {
        WorkflowJob p = j.createProject(WorkflowJob.class, "p");
        p.setDefinition(new CpsFlowDefinition(script, true));
        return p;
    }

    @Test
    void successLogsPerNodeLinesAndReturnsPlainMap(JenkinsRule j) throws Exception {
        configureServer(j, null);
        WorkflowJob p = job(j, "node {\n"
                + "  def r = comfyRun(server: 'fake', workflow: " + FakeServers.txt2imgLiteral() + ", set: ['KSampler.seed': 7])\n"
                + "  echo \"status=${r.status} outputs=${r.outputs.size()} path=${r.outputs[0].path} nodes=${r.nodes.size()}\"\n"
                + "}");
        WorkflowRun b = j.buildAndAssertSuccess(p);
        j.assertLogContains("[ComfyUI] prompt", b);
        j.assertLogContains("submitted to", b);
        j.assertLogContains("node 3 KSampler", b);
        j.assertLogContains("node 9 SaveImage", b);
        j.assertLogContains("status=success outputs=1 path=comfyui-out/", b);
        ComfyRunAction a = b.getAction(ComfyRunAction.class);
        assertThat(a.getStatus()).isEqualTo("SUCCESS");
        assertThat(a.getNodes()).isNotEmpty();
        assertThat(j.jenkins.getWorkspaceFor(p).child("comfyui-out").list()).hasSize(1);
        assertThat(FakeServers.posts(fake, "/prompt")).hasSize(1);
        // the build page and the action's own page (outputs table: ${o.getSize()}) render in Jenkins' Jelly
        try (JenkinsRule.WebClient wc = j.createWebClient()) {
            wc.getOptions().setJavaScriptEnabled(false);
            assertThat(wc.getPage(b).getWebResponse().getStatusCode()).isEqualTo(200);
            org.htmlunit.html.HtmlPage page = wc.getPage(b, a.getUrlName() + "/");
            assertThat(page.getWebResponse().getStatusCode()).isEqualTo(200);
            assertThat(page.asNormalizedText()).contains("Outputs").contains("comfyui-out/");
            // the action's own remote API, as scripts read every Jenkins page's
            assertThat(wc.goTo(b.getUrl() + a.getUrlName() + "/api/json", "application/json").getWebResponse()
                    .getContentAsString()).contains("\"status\":\"SUCCESS\"");
        }
    }

    /** Thumbnails come from the build's archived artifacts only (never from the ComfyUI host). */
    @Test
    void thumbnailsOnlyForArchivedOutputs(JenkinsRule j) throws Exception {
        configureServer(j, null);
        WorkflowJob p = job(j, "node {\n"
                + "  def r = comfyRun(server: 'fake', workflow: " + FakeServers.txt2imgLiteral() + ")\n"
                + "  archiveArtifacts 'comfyui-out/**'\n"
                + "}");
        WorkflowRun b = j.buildAndAssertSuccess(p);
        ComfyRunAction a = b.getAction(ComfyRunAction.class);
        String path = a.getOutputs().get(0).getPath();
        assertThat(a.getThumbnails()).singleElement().satisfies(t -> assertThat(t.getHref()).isEqualTo("artifact/" + path));
        try (JenkinsRule.WebClient wc = j.createWebClient()) {
            wc.getOptions().setJavaScriptEnabled(false);
            assertThat(wc.getPage(b).asXml()).contains("artifact/" + path);
        }
    }

    /** serverUrl is opt-in: with the default configuration a Jenkinsfile cannot make the controller call any URL. */
    @Test
    void serverUrlIsRefusedUntilAnAdministratorAllowsIt(JenkinsRule j) throws Exception {
        WorkflowJob p = job(j, "comfyRun(serverUrl: '" + fake.baseUrl() + "', workflow: " + FakeServers.txt2imgLiteral() + ")");
        WorkflowRun b = j.buildAndAssertStatus(Result.FAILURE, p);
        j.assertLogContains("serverUrl is disabled by the Jenkins administrator", b);
        assertThat(FakeServers.posts(fake, "/prompt")).isEmpty();
        ComfyGlobalConfiguration.get().setAllowServerUrl(true);
        j.buildAndAssertSuccess(p);
    }

    /** Manage Jenkins » System: deleting the last server in the form and saving leaves no server. */
    @Test
    void theLastServerCanBeDeletedThroughTheForm(JenkinsRule j) throws Exception {
        configureServer(j, null);
        try (JenkinsRule.WebClient wc = j.createWebClient()) {
            org.htmlunit.html.HtmlPage page = wc.goTo("manage/configure");
            org.htmlunit.html.HtmlForm form = page.getFormByName("config");
            org.htmlunit.html.HtmlInput name = form.getInputsByValue("fake").get(0);
            org.htmlunit.html.DomElement chunk = name;
            while (chunk != null && !chunk.getAttribute("class").contains("repeated-chunk")) {
                chunk = (org.htmlunit.html.DomElement) chunk.getParentNode();
            }
            assertThat(chunk).as("the server's repeated chunk").isNotNull();
            chunk.remove(); // what the chunk's delete button does
            j.submit(form);
        }
        assertThat(ComfyGlobalConfiguration.get().getServers()).isEmpty();
    }

    @Test
    void failingWorkflowFailsWithOneLine(JenkinsRule j) throws Exception {
        configureServer(j, null);
        fake.faults().add(new Fault.ExecutionError(Trigger.atNode("8"), 1, "OutOfMemoryError", "CUDA out of memory"));
        WorkflowJob p = job(j, "comfyRun(server: 'fake', workflow: " + FakeServers.txt2imgLiteral() + ")");
        WorkflowRun b = j.buildAndAssertStatus(Result.FAILURE, p);
        j.assertLogContains("ERROR: ComfyUI prompt", b);
        j.assertLogContains("failed: node 8 VAEDecode", b);
        j.assertLogContains("CUDA out of memory", b);
        j.assertLogNotContains("\tat io.jenkins.plugins.comfyrun", b); // one line, no stack trace
    }

    @Test
    void abortCancelsExactlyOurPrompt(JenkinsRule j) throws Exception {
        configureServer(j, null);
        fake.scenario().steps("KSampler", 100_000).stepsPerSecond("KSampler", 5);
        WorkflowJob p = job(j, "comfyRun(server: 'fake', workflow: " + FakeServers.txt2imgLiteral() + ")");
        WorkflowRun b = p.scheduleBuild2(0).waitForStart();
        j.waitForMessage("node 3 KSampler", b);
        String promptId = b.getAction(ComfyRunAction.class).getPromptId();
        b.doStop();
        j.assertBuildStatus(Result.ABORTED, j.waitForCompletion(b));
        await().atMost(Duration.ofSeconds(30)).until(() -> !FakeServers.posts(fake, "/interrupt").isEmpty());
        assertThat(FakeServers.posts(fake, "/interrupt")).singleElement()
                .satisfies(e -> assertThat(e.text()).contains(promptId));
        assertThat(FakeServers.posts(fake, "/prompt")).hasSize(1);
        // the build page records the abort, whichever of the stop and the prompt's INTERRUPTED result came first
        ComfyRunAction a = b.getAction(ComfyRunAction.class);
        assertThat(a.getStatus()).isEqualTo("ABORTED");
        assertThat(a.isInProgress()).isFalse();
        assertThat(a.isBuildOver()).isTrue();
        try (JenkinsRule.WebClient wc = j.createWebClient()) {
            wc.getOptions().setJavaScriptEnabled(false);
            assertThat(wc.getPage(b).getWebResponse().getStatusCode()).isEqualTo(200);
        }
    }

    @Test
    void secretTextNeverAppearsInTheLogTheResultOrTheBuild(JenkinsRule j) throws Exception {
        assertSecretStaysSecret(j, new StringCredentialsImpl(CredentialsScope.GLOBAL, "comfy-token", "proxy token",
                Secret.fromString(TOKEN)), "comfy-token", TOKEN);
    }

    @Test
    void usernamePasswordNeverAppearsInTheLogTheResultOrTheBuild(JenkinsRule j) throws Exception {
        // basic auth for a reverse proxy in front of ComfyUI; the password is what must never leak
        assertSecretStaysSecret(j, new UsernamePasswordCredentialsImpl(CredentialsScope.GLOBAL, "comfy-basic", "proxy login",
                "jenkins", PASSWORD), "comfy-basic", PASSWORD);
    }

    private void assertSecretStaysSecret(JenkinsRule j, Credentials c, String id, String secret) throws Exception {
        CredentialsProvider.lookupStores(j.jenkins).iterator().next().addCredentials(Domain.global(), c);
        configureServer(j, id);
        WorkflowJob p = job(j, "def r = comfyRun(server: 'fake', credentialsId: '" + id + "', workflow: "
                + FakeServers.txt2imgLiteral() + ")\n"
                + "echo \"result=${r}\"");
        WorkflowRun b = j.buildAndAssertSuccess(p);
        j.assertLogContains("result=", b);
        j.assertLogNotContains(secret, b);
        ComfyRunAction a = b.getAction(ComfyRunAction.class);
        assertThat(String.join("|", a.getPromptId(), a.getServer(), a.getStatus(), String.valueOf(a.getMethod()),
                String.valueOf(a.getErrors()), a.getDisplayName(), a.getUrlName())).doesNotContain(secret);
        String buildXml = new String(java.nio.file.Files.readAllBytes(b.getRootDir().toPath().resolve("build.xml")),
                java.nio.charset.StandardCharsets.UTF_8);
        assertThat(buildXml).doesNotContain(secret);
        // the credential travels only as a header: never in the submitted body
        assertThat(FakeServers.posts(fake, "/prompt")).singleElement().satisfies(e -> assertThat(e.text()).doesNotContain(secret));
    }
}
