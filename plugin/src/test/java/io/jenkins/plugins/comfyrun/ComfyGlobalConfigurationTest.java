package io.jenkins.plugins.comfyrun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import hudson.AbortException;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Server list, default server, the serverUrl switch, and how a step's arguments resolve against them. */
class ComfyGlobalConfigurationTest {
    private ComfyGlobalConfiguration global;

    @BeforeEach
    void setUp() {
        global = TestJenkins.reset();
    }

    private static ComfyServer server(String name, String url, String credentialsId) {
        ComfyServer s = new ComfyServer(name, url);
        s.setCredentialsId(credentialsId);
        return s;
    }

    @Test
    void emptyByDefaultAndServerUrlNotAllowed() {
        assertThat(ComfyGlobalConfiguration.get()).isSameAs(global);
        assertThat(global.getServers()).isEmpty();
        assertThat(global.findDefaultServer()).isNull();
        assertThat(global.isAllowServerUrl()).as("serverUrl is opt-in: off until an administrator allows it").isFalse();
    }

    @Test
    void defaultServerIsTheNamedOneElseTheFirst() {
        global.setServers(List.of(server("gpu-1", "http://gpu-1:8188/", null), server("gpu-2", "http://gpu-2:8188/", "tok")));
        assertThat(global.findDefaultServer().getName()).isEqualTo("gpu-1");
        global.setDefaultServer("gpu-2");
        assertThat(global.findDefaultServer().getName()).isEqualTo("gpu-2");
        global.setDefaultServer("gone");
        assertThat(global.findDefaultServer().getName()).isEqualTo("gpu-1");
    }

    @Test
    void duplicateNamesAreRefused() {
        assertThatThrownBy(() -> global.setServers(List.of(server("a", "http://x/", null), server("a", "http://y/", null))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a'");
        assertThatThrownBy(() -> global.setServers(List.of(server("gpu-1", "ftp://gpu-1/", null))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ComfyUI server 'gpu-1'").hasMessageContaining("http");
        assertThatThrownBy(() -> global.setServers(List.of(server(null, "http://gpu-3:8188/", null))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("#1").hasMessageContaining("gpu-3");
    }

    @Test
    void serverTimeoutsHaveDefaultsAndRejectNonsense() {
        ComfyServer s = new ComfyServer(" gpu-1 ", " http://gpu-1:8188/ ");
        assertThat(s.getName()).isEqualTo("gpu-1");
        assertThat(s.getUrl()).isEqualTo("http://gpu-1:8188/");
        assertThat(s.getConnectTimeoutSeconds()).isEqualTo(10);
        s.setReadTimeoutSeconds(0);
        assertThat(s.getReadTimeoutSeconds()).isEqualTo(30);
        assertThat(s.timeouts().connect().toSeconds()).isEqualTo(10);
    }

    @Test
    void stepResolvesConfiguredServersAndItsCredentials() throws AbortException {
        global.setServers(List.of(server("gpu-1", "http://gpu-1:8188/", "server-token")));
        ServerTarget t = ServerTarget.resolve(null, null, null, global);
        assertThat(t.label()).isEqualTo("gpu-1");
        assertThat(t.credentialsId()).isEqualTo("server-token");
        ServerTarget own = ServerTarget.resolve("gpu-1", null, "step-token", global);
        assertThat(own.credentialsId()).isEqualTo("step-token");
    }

    @Test
    void unknownOrMissingServersFailWithAnActionableLine() {
        global.setServers(List.of(server("gpu-1", "http://gpu-1:8188/", null)));
        assertThatThrownBy(() -> ServerTarget.resolve("gpu-9", null, null, global))
                .isInstanceOf(AbortException.class).hasMessageContaining("'gpu-9'").hasMessageContaining("gpu-1");
        global.setServers(List.of());
        assertThatThrownBy(() -> ServerTarget.resolve(null, null, null, global))
                .isInstanceOf(AbortException.class).hasMessageContaining("Manage Jenkins");
        assertThatThrownBy(() -> ServerTarget.resolve("a", "http://b/", null, global))
                .isInstanceOf(AbortException.class).hasMessageContaining("not both");
    }

    @Test
    void serverUrlIsOptIn() throws AbortException {
        assertThatThrownBy(() -> ServerTarget.resolve(null, "http://10.0.0.5:8188/", null, global))
                .isInstanceOf(AbortException.class).hasMessageContaining("disabled by the Jenkins administrator");
        global.setAllowServerUrl(true);
        ServerTarget t = ServerTarget.resolve(null, "http://10.0.0.5:8188/comfy/", null, global);
        assertThat(t.url()).isEqualTo("http://10.0.0.5:8188/comfy/");
        assertThat(t.label()).isEqualTo("http://10.0.0.5:8188/comfy"); // the console form of the engine (LogFormat.server)
        global.setAllowServerUrl(false);
        assertThatThrownBy(() -> ServerTarget.resolve(null, "http://10.0.0.5:8188/", null, global))
                .isInstanceOf(AbortException.class).hasMessageContaining("disabled by the Jenkins administrator");
    }

    /**
     * The form with its last server deleted: a repeatable list with no entry sends no "servers" key, and Stapler's
     * bindJSON calls setters only for the keys present (the double below does exactly that).
     */
    @Test
    void deletingTheLastServerInTheFormEmptiesTheList() throws Exception {
        global.setServers(List.of(server("gpu-1", "http://gpu-1:8188/", null)));
        global.configure(new FormBinding(java.util.Map.of("defaultServer", "", "allowServerUrl", false)), new net.sf.json.JSONObject());
        assertThat(global.getServers()).isEmpty();
    }

    @Test
    void aBadServerInTheFormIsAFormErrorAndChangesNothing() {
        global.setServers(List.of(server("gpu-1", "http://gpu-1:8188/", null)));
        List<ComfyServer> twins = List.of(server("a", "http://a:8188/", null), server("a", "http://b:8188/", null));
        assertThatThrownBy(() -> global.configure(new FormBinding(java.util.Map.of("servers", twins)), new net.sf.json.JSONObject()))
                .isInstanceOf(hudson.model.Descriptor.FormException.class).hasMessageContaining("two ComfyUI servers are named 'a'")
                .satisfies(e -> assertThat(((hudson.model.Descriptor.FormException) e).getFormField()).isEqualTo("servers"));
        assertThat(global.getServers()).extracting(ComfyServer::getName).containsExactly("gpu-1");
    }

    private static ComfyServerPool pool(String name, String... members) {
        ComfyServerPool p = new ComfyServerPool(name);
        p.setMembers(java.util.Arrays.stream(members).map(ComfyServerPool.Member::new).toList());
        return p;
    }

    private static java.util.Map<String, Object> form(Object... keysAndValues) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>(); // the order the setters are called in
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    /** The last pool deleted in the form: no "pools" key is sent, so configure() must clear the list itself. */
    @Test
    void deletingTheLastPoolInTheFormEmptiesItAndSavesOnce() throws Exception {
        global.setServers(List.of(server("gpu-1", "http://gpu-1:8188/", null), server("gpu-2", "http://gpu-2:8188/", null)));
        global.setPools(List.of(pool("farm", "gpu-1", "gpu-2")));
        TestJenkins.SavedInMemory saved = (TestJenkins.SavedInMemory) global;
        int savesBefore = saved.saves();

        assertThat(global.configure(new FormBinding(form("servers", List.of(server("gpu-1", "http://gpu-1:8188/", null),
                server("gpu-2", "http://gpu-2:8188/", null)), "defaultServer", "", "allowServerUrl", false)), new net.sf.json.JSONObject())).isTrue();

        assertThat(global.getPools()).isEmpty();
        assertThat(global.getServers()).extracting(ComfyServer::getName).containsExactly("gpu-1", "gpu-2");
        assertThat(saved.saves()).as("one save for the whole form").isEqualTo(savesBefore + 1);
        assertThat(saved.lastSaved()).isEqualTo("servers=[gpu-1, gpu-2] pools=[] default=null allowServerUrl=false");
    }

    /**
     * A pool still naming a server deleted in the same submission: a form error on "pools" whatever order Stapler
     * calls the setters in, and nothing changes, in memory or in the saved file.
     */
    @Test
    void aPoolNamingAServerRemovedInTheSameSubmissionIsAFormErrorOnPoolsAndChangesNothing() {
        global.setServers(List.of(server("gpu-1", "http://gpu-1:8188/", null), server("gpu-2", "http://gpu-2:8188/", null)));
        global.setPools(List.of(pool("farm", "gpu-1", "gpu-2")));
        global.setDefaultServer("gpu-2");
        TestJenkins.SavedInMemory saved = (TestJenkins.SavedInMemory) global;
        String before = saved.describe();
        assertThat(saved.lastSaved()).isEqualTo(before);
        int savesBefore = saved.saves();
        List<ComfyServer> onlyFirst = List.of(server("gpu-1", "http://gpu-1:8188/", null));
        List<ComfyServerPool> farm = List.of(pool("farm", "gpu-1", "gpu-2"));

        for (java.util.Map<String, Object> sent : List.of(
                form("pools", farm, "servers", onlyFirst, "defaultServer", "gpu-1", "allowServerUrl", true),
                form("servers", onlyFirst, "pools", farm, "defaultServer", "gpu-1", "allowServerUrl", true))) {
            assertThatThrownBy(() -> global.configure(new FormBinding(sent), new net.sf.json.JSONObject()))
                    .as("setters called in the order %s", sent.keySet())
                    .isInstanceOf(hudson.model.Descriptor.FormException.class)
                    .hasMessage("ComfyUI server pool 'farm': member 'gpu-2' is not a configured server (known: gpu-1)")
                    .satisfies(e -> assertThat(((hudson.model.Descriptor.FormException) e).getFormField()).isEqualTo("pools"));
            assertThat(saved.describe()).as("nothing changed in memory").isEqualTo(before);
            assertThat(saved.lastSaved()).as("nothing saved").isEqualTo(before);
            assertThat(saved.saves()).isEqualTo(savesBefore);
        }
    }

    /** Outside a form (configuration as code, a script), a pool naming an unknown server is refused at once. */
    @Test
    void setPoolsOutsideAFormRefusesAnUnknownMember() {
        global.setServers(List.of(server("gpu-1", "http://gpu-1:8188/", null)));
        assertThatThrownBy(() -> global.setPools(List.of(pool("farm", "gpu-1", "gpu-9"))))
                .isInstanceOf(ComfyGlobalConfiguration.InvalidServerList.class).hasMessageContaining("member 'gpu-9' is not a configured server");
        assertThat(global.getPools()).isEmpty();
    }

    /**
     * Test double of Stapler's request binding for this form: like {@code RequestImpl.bindJSON(bean, json)}, it calls
     * the {@code @DataBoundSetter} of each key the form sent, and only those; a setter's RuntimeException propagates.
     */
    private record FormBinding(java.util.Map<String, Object> sent) implements org.kohsuke.stapler.StaplerRequest2 {
        @Override
        @SuppressWarnings("unchecked")
        public void bindJSON(Object bean, net.sf.json.JSONObject src) {
            ComfyGlobalConfiguration c = (ComfyGlobalConfiguration) bean;
            sent.forEach((key, value) -> {
                switch (key) {
                    case "servers" -> c.setServers((List<ComfyServer>) value);
                    case "defaultServer" -> c.setDefaultServer((String) value);
                    case "allowServerUrl" -> c.setAllowServerUrl((Boolean) value);
                    case "pools" -> c.setPools((List<ComfyServerPool>) value);
                    default -> throw new IllegalArgumentException("no setter for " + key);
                }
            });
        }
    }

    /** Configuration as code binds through @DataBoundSetter: every configurable getter needs one. */
    @Test
    void everyPropertyHasADataBoundSetter() {
        for (Class<?> c : List.of(ComfyGlobalConfiguration.class, ComfyServer.class)) {
            for (java.lang.reflect.Method m : c.getDeclaredMethods()) {
                String n = m.getName();
                if (!java.lang.reflect.Modifier.isPublic(m.getModifiers()) || java.lang.reflect.Modifier.isStatic(m.getModifiers()) || m.getParameterCount() != 0
                        || !(n.startsWith("get") || n.startsWith("is")) || n.equals("getDisplayName")
                        || n.equals("getName") || n.equals("getUrl")) {
                    continue; // name and url are constructor parameters
                }
                String prop = n.startsWith("get") ? n.substring(3) : n.substring(2);
                assertThat(java.util.Arrays.stream(c.getMethods()).anyMatch(s -> s.getName().equals("set" + prop)
                        && s.getAnnotation(org.kohsuke.stapler.DataBoundSetter.class) != null)).as(c.getSimpleName() + "." + n).isTrue();
            }
        }
        assertThat(ComfyGlobalConfiguration.class.getAnnotation(org.jenkinsci.Symbol.class).value()).containsExactly("comfyui");
    }

    @Test
    void urlSyntaxIsCheckedWithoutContactingAnything() {
        assertThat(ComfyServer.checkUrlSyntax("http://gpu-1:8188/")).isNull();
        assertThat(ComfyServer.checkUrlSyntax("https://proxy.example/comfy/")).isNull();
        assertThat(ComfyServer.checkUrlSyntax("ftp://gpu-1/")).contains("http://");
        assertThat(ComfyServer.checkUrlSyntax("http://user:pw@gpu-1/")).contains("credentials id").doesNotContain("pw");
        assertThat(ComfyServer.checkUrlSyntax("")).contains("empty");
        assertThat(ComfyServer.checkUrlSyntax("http://gpu-1/?token=x")).contains("query");
    }
}
