package io.jenkins.plugins.comfyrun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import hudson.model.Item;
import hudson.security.ACL;
import hudson.security.Permission;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import io.comfyrun.mirror.MirrorJenkins;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kohsuke.stapler.verb.POST;
import org.springframework.security.access.AccessDeniedException;

/**
 * Every web method that checks, fills or tests is {@code @POST} and checks permissions FIRST: without
 * ADMINISTER (global context) or CONFIGURE (job context) it is refused before it reads a credential or contacts
 * a server; the credentials list only echoes the current value to users who may not see credentials.
 */
class WebMethodSecurityTest {
    private ComfyGlobalConfiguration global;

    @BeforeEach
    void setUp() {
        global = TestJenkins.reset();
        MirrorJenkins.addCredentials(new TestJenkins.SecretText("comfy-token", "s3cr3t-token-value"));
    }

    private static void denyAll() {
        MirrorJenkins.setRootAcl(ACL.lambda2((a, p) -> false));
    }

    /** A job whose ACL grants exactly {@code granted}. */
    private static TestJenkins.TestJob jobGranting(Set<Permission> granted) {
        return new TestJenkins.TestJob("p") {
            @Override
            public ACL getACL() {
                return ACL.lambda2((a, p) -> granted.contains(p));
            }
        };
    }

    @Test
    void everyWebMethodIsPost() {
        List<String> missing = new ArrayList<>();
        for (Class<?> c : List.of(ComfyRunStep.DescriptorImpl.class, ComfyServer.DescriptorImpl.class, ComfyGlobalConfiguration.class)) {
            for (Method m : c.getDeclaredMethods()) {
                if (m.getName().startsWith("do") && java.lang.reflect.Modifier.isPublic(m.getModifiers())
                        && m.getAnnotation(POST.class) == null) {
                    missing.add(c.getSimpleName() + "." + m.getName());
                }
            }
        }
        assertThat(missing).isEmpty();
    }

    @Test
    void globalWebMethodsNeedAdminister() {
        denyAll();
        ComfyServer.DescriptorImpl d = new ComfyServer.DescriptorImpl();
        assertThatThrownBy(() -> d.doTestConnection("http://127.0.0.1:1/", "comfy-token", 1, 1)).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> d.doCheckUrl("http://x/")).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> d.doCheckName("x")).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> d.doFillCredentialsIdItems("")).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> d.doCheckCredentialsId("comfy-token")).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> global.doFillDefaultServerItems("")).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> global.doCheckDefaultServer("x")).isInstanceOf(AccessDeniedException.class);
        ComfyRunStep.DescriptorImpl step = new ComfyRunStep.DescriptorImpl();
        assertThatThrownBy(() -> step.doFillServerItems(null, "")).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> step.doCheckServerUrl(null, "http://x/")).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> step.doFillCredentialsIdItems(null, "")).isInstanceOf(AccessDeniedException.class);
    }

    @Test
    void jobWebMethodsNeedConfigureOnTheJob() {
        TestJenkins.TestJob readOnly = jobGranting(Set.of(Item.READ));
        ComfyRunStep.DescriptorImpl step = new ComfyRunStep.DescriptorImpl();
        assertThatThrownBy(() -> step.doFillServerItems(readOnly, "")).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> step.doCheckServerUrl(readOnly, "http://x/")).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> step.doCheckCredentialsId(readOnly, "comfy-token")).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> step.doCheckOutputDir(readOnly, "out")).isInstanceOf(AccessDeniedException.class);

        TestJenkins.TestJob configurable = jobGranting(Set.of(Item.READ, Item.CONFIGURE, Item.EXTENDED_READ));
        assertThat(step.doCheckOutputDir(configurable, "../x").kind).isEqualTo(FormValidation.Kind.ERROR);
        assertThat(step.doCheckOutputDir(configurable, "out").kind).isEqualTo(FormValidation.Kind.OK);
    }

    @Test
    void credentialsListOnlyEchoesTheCurrentValueWithoutPermission() {
        ComfyRunStep.DescriptorImpl step = new ComfyRunStep.DescriptorImpl();
        ListBoxModel hidden = step.doFillCredentialsIdItems(jobGranting(Set.of(Item.READ)), "current-id");
        assertThat(hidden).extracting(o -> o.value).containsExactly("current-id");
        ListBoxModel shown = step.doFillCredentialsIdItems(jobGranting(Set.of(Item.READ, Item.EXTENDED_READ)), "");
        assertThat(shown).extracting(o -> o.value).contains("", "comfy-token");
        assertThat(shown.toString()).doesNotContain("s3cr3t-token-value");
    }

    @Test
    void testConnectionReportsUnreachableServersWithoutTheSecret() {
        FormValidation v = new ComfyServer.DescriptorImpl().doTestConnection("http://127.0.0.1:1/", "comfy-token", 1, 1);
        assertThat(v.kind).isEqualTo(FormValidation.Kind.ERROR);
        assertThat(v.getMessage()).contains("127.0.0.1:1").doesNotContain("s3cr3t-token-value");
        FormValidation bad = new ComfyServer.DescriptorImpl().doTestConnection("gpu-1:8188", "", 1, 1);
        assertThat(bad.kind).isEqualTo(FormValidation.Kind.ERROR);
        FormValidation unknown = new ComfyServer.DescriptorImpl().doTestConnection("http://127.0.0.1:1/", "nope", 1, 1);
        assertThat(unknown.getMessage()).contains("nope").contains("not found"); // HTML-escaped like real FormValidation
    }
}
