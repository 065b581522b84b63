package io.jenkins.plugins.comfyrun;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyrun.fake.FakeComfyUI;
import java.util.List;
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
 * A pool of two real fake ComfyUI servers in a real Jenkins: comfyBatch's items and comfyChain's steps bound from the
 * Groovy call shapes docs/pipeline-steps.md shows (lists of maps, GString names), and comfyRun on a pool name.
 */
@WithJenkins
class ComfyFarmJenkinsTest {
    @RegisterExtension
    static final BuildWatcherExtension BUILD_WATCHER = new BuildWatcherExtension();

    private FakeComfyUI a;
    private FakeComfyUI b;

    @BeforeEach
    void startFakes() {
        a = FakeServers.start();
        b = FakeComfyUI.builder().port(0).timeScale(50).seed(43).start();
    }

    @AfterEach
    void stopFakes() {
        a.close();
        b.close();
    }

    private void configurePool() {
        ComfyGlobalConfiguration g = ComfyGlobalConfiguration.get();
        g.setServers(List.of(new ComfyServer("gpu-a", a.baseUrl().toString()), new ComfyServer("gpu-b", b.baseUrl().toString())));
        ComfyServerPool farm = new ComfyServerPool("farm");
        farm.setMembers(List.of(new ComfyServerPool.Member("gpu-a"), new ComfyServerPool.Member("gpu-b")));
        g.setPools(List.of(farm));
    }

    private static WorkflowJob job(JenkinsRule j, String script) throws Exception {
        WorkflowJob p = j.createProject(WorkflowJob.class, "p");
        p.setDefinition(new CpsFlowDefinition(script, true));
        return p;
    }

    private int posts() {
        return FakeServers.posts(a, "/prompt").size() + FakeServers.posts(b, "/prompt").size();
    }

    @Test
    void comfyBatchRunsTwoItemsOnThePoolAndReturnsTheirResultsInOrder(JenkinsRule j) throws Exception {
        configurePool();
        WorkflowJob p = job(j, "node {\n"
                + "  def r = comfyBatch(server: 'farm', workflow: " + FakeServers.txt2imgLiteral() + ", concurrency: 2,\n"
                + "                     items: (1..2).collect { i -> ['KSampler.seed': i, name: \"seed-${i}\"] })\n"
                + "  echo \"total=${r.total} succeeded=${r.succeeded} failed=${r.failed} skipped=${r.skipped}\"\n"
                + "  echo \"names=${r.items*.name} statuses=${r.items*.status} outputs=${r.items*.outputs}\"\n"
                + "}");
        WorkflowRun run = j.buildAndAssertSuccess(p);
        j.assertLogContains("[comfyBatch] 2 items on pool farm (2 servers), 2 at a time", run);
        j.assertLogContains("[comfyBatch] 2 of 2 succeeded", run);
        j.assertLogContains("total=2 succeeded=2 failed=0 skipped=0", run);
        j.assertLogContains("names=[seed-1, seed-2] statuses=[success, success] outputs=[[comfyui-out/seed-1/", run);
        j.assertLogContains("], [comfyui-out/seed-2/", run);
        ComfyBatchAction action = run.getAction(ComfyBatchAction.class);
        assertThat(action.getItems()).extracting(ComfyBatchAction.Row::getStatus).containsExactly("success", "success");
        assertThat(action.getItems()).extracting(ComfyBatchAction.Row::getServer).containsExactlyInAnyOrder("gpu-a", "gpu-b");
        assertThat(posts()).isEqualTo(2);
        JenkinsRule.WebClient wc = j.createWebClient();
        assertThat(wc.goTo(run.getUrl() + action.getUrlName() + "/").getWebResponse().getStatusCode()).isEqualTo(200);
        assertThat(wc.goTo(run.getUrl() + action.getUrlName() + "/manifestTsv", "text/tab-separated-values").getWebResponse()
                .getContentAsString()).contains("seed-1\tsuccess").contains("seed-2\tsuccess");
        assertThat(wc.goTo(run.getUrl() + action.getUrlName() + "/api/json", "application/json").getWebResponse()
                .getContentAsString()).contains("seed-1").contains("\"done\":true");
    }

    @Test
    void comfyChainPassesTheImageOfOneStepIntoTheNextOnOneMember(JenkinsRule j) throws Exception {
        configurePool();
        WorkflowJob p = job(j, "node {\n"
                + "  def r = comfyChain(server: 'farm', outputDir: 'chain', steps: [\n"
                + "      [name: 'base', workflow: " + FakeServers.txt2imgLiteral() + ", set: ['KSampler.seed': 7]],\n"
                + "      [name: 'refine', workflow: " + FakeServers.literal("img2img.json") + ", from: '9', into: '\"Load Image\".image',\n"
                + "       set: ['KSampler.denoise': 0.45]]])\n"
                + "  echo \"chain=${r.status} on=${r.server} steps=${r.steps*.name} statuses=${r.steps*.status}\"\n"
                + "}");
        WorkflowRun run = j.buildAndAssertSuccess(p);
        j.assertLogContains("[comfyChain] 2 steps on pool farm", run);
        j.assertLogContains("[comfyChain] 2 of 2 steps succeeded on gpu-", run);
        j.assertLogContains("steps=[base, refine] statuses=[success, success]", run);
        assertThat(posts()).isEqualTo(2);
        FakeComfyUI member = FakeServers.posts(a, "/prompt").size() == 2 ? a : b;
        assertThat(FakeServers.posts(member, "/prompt")).as("both steps on the member the first was routed to").hasSize(2);
        assertThat(FakeServers.posts(member, "/upload/image")).as("the first step's image uploaded to the same member").hasSize(1);
    }

    @Test
    void comfyRunOnAPoolNameNamesTheMemberThatRanIt(JenkinsRule j) throws Exception {
        configurePool();
        WorkflowJob p = job(j, "node {\n"
                + "  def r = comfyRun(server: 'farm', workflow: " + FakeServers.txt2imgLiteral() + ")\n"
                + "  echo \"status=${r.status} server=${r.server} pool=${r.pool} saved=${r.outputs[0].path != null}\"\n"
                + "}");
        WorkflowRun run = j.buildAndAssertSuccess(p);
        String member = FakeServers.posts(a, "/prompt").size() == 1 ? "gpu-a" : "gpu-b";
        j.assertLogContains("[ComfyUI] pool farm: prompt routed to " + member, run);
        j.assertLogContains("status=success server=" + member + " pool=farm saved=true", run);
        assertThat(posts()).isEqualTo(1);
    }

    /** The repeated chunk (one server or one pool in the form) holding the text input with this value. */
    private static org.htmlunit.html.DomElement chunkOf(org.htmlunit.html.HtmlForm form, String value) {
        java.util.List<org.htmlunit.html.HtmlInput> inputs = form.getInputsByValue(value);
        assertThat(inputs).as("an input with value %s in the system configuration form", value).isNotEmpty();
        org.htmlunit.html.DomElement chunk = inputs.get(0);
        while (chunk != null && !chunk.getAttribute("class").contains("repeated-chunk")) {
            chunk = (org.htmlunit.html.DomElement) chunk.getParentNode();
        }
        assertThat(chunk).as("the repeated chunk of %s", value).isNotNull();
        return chunk;
    }

    /**
     * The system configuration page with pools renders (a localization key "(0: no limit)" made it fail), the last
     * pool can be deleted through the form, and a pool naming a server deleted in the same submission is refused
     * with nothing changed.
     */
    @Test
    void poolsThroughTheSystemConfigurationForm(JenkinsRule j) throws Exception {
        configurePool();
        try (JenkinsRule.WebClient wc = j.createWebClient()) {
            org.htmlunit.html.HtmlForm form = wc.goTo("manage/configure").getFormByName("config");
            chunkOf(form, "gpu-b").remove(); // the server only: pool farm still names it
            wc.setThrowExceptionOnFailingStatusCode(false);
            org.htmlunit.Page refused = j.submit(form);
            assertThat(refused.getWebResponse().getStatusCode()).isGreaterThanOrEqualTo(400);
            assertThat(refused.getWebResponse().getContentAsString()).contains("ComfyUI server pool 'farm': member 'gpu-b' is not a configured server (known: gpu-a)");
        }
        ComfyGlobalConfiguration g = ComfyGlobalConfiguration.get();
        assertThat(g.getServers()).extracting(ComfyServer::getName).containsExactly("gpu-a", "gpu-b");
        assertThat(g.getPools()).extracting(ComfyServerPool::getName).containsExactly("farm");

        try (JenkinsRule.WebClient wc = j.createWebClient()) {
            org.htmlunit.html.HtmlForm form = wc.goTo("manage/configure").getFormByName("config");
            chunkOf(form, "farm").remove(); // the last pool
            j.submit(form);
        }
        assertThat(g.getPools()).isEmpty();
        assertThat(g.getServers()).extracting(ComfyServer::getName).containsExactly("gpu-a", "gpu-b");
    }
}
