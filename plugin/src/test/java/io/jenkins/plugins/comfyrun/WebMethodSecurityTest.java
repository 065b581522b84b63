package io.jenkins.plugins.comfyrun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import hudson.model.Item;
import hudson.security.ACL;
import hudson.security.Permission;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
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

    /** Requests run as a user, never as SYSTEM (which real ACLs let through whatever they say). */
    @BeforeEach
    void logIn() {
        org.springframework.security.core.context.SecurityContextHolder.getContext().setAuthentication(
                new org.springframework.security.authentication.UsernamePasswordAuthenticationToken("alice", "pw"));
    }

    @org.junit.jupiter.api.AfterEach
    void logOut() {
        org.springframework.security.core.context.SecurityContextHolder.clearContext();
    }

    @BeforeEach
    void setUp() {
        global = TestJenkins.reset();
        TestJenkins.credentials().add(new TestJenkins.SecretText("comfy-token", "s3cr3t-token-value"));
    }

    private static void denyAll() {
        jenkins.model.Jenkins.get().setAuthorizationStrategy(new TestJenkins.OneAclStrategy(ACL.lambda2((a, p) -> false)));
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

    /**
     * Without ADMINISTER, the global fill/check methods answer what Jenkins forms expect (an empty list, "ok") and
     * reveal nothing; the test-connection action is refused (403).
     */
    @Test
    void globalWebMethodsWithoutAdministerRevealNothingAndTestConnectionIsRefused() {
        denyAll();
        ComfyServer.DescriptorImpl d = new ComfyServer.DescriptorImpl();
        global.setServers(List.of(new ComfyServer("gpu-1", "http://gpu-1:8188/")));
        assertThatThrownBy(() -> d.doTestConnection("http://127.0.0.1:1/", "comfy-token", 1, 1)).isInstanceOf(AccessDeniedException.class);
        assertThat(d.doCheckUrl("not a url").kind).isEqualTo(FormValidation.Kind.OK);
        assertThat(d.doCheckName("").kind).isEqualTo(FormValidation.Kind.OK);
        assertThat(d.doFillCredentialsIdItems("")).isEmpty();
        assertThat(d.doCheckCredentialsId("nope").kind).isEqualTo(FormValidation.Kind.OK);
        assertThat(global.doFillDefaultServerItems("")).isEmpty();
        assertThat(global.doCheckDefaultServer("gone").kind).isEqualTo(FormValidation.Kind.OK);
        ComfyRunStep.DescriptorImpl step = new ComfyRunStep.DescriptorImpl();
        assertThat(step.doFillServerItems(null, "")).isEmpty();
        assertThat(step.doCheckServerUrl(null, "not a url").kind).isEqualTo(FormValidation.Kind.OK);
        // the credentials plugin's includeCurrentValue("") adds only the empty choice: no credential is listed
        assertThat(step.doFillCredentialsIdItems(null, "")).extracting(o -> o.value).containsExactly("");
    }

    @Test
    void jobWebMethodsWithoutConfigureRevealNothing() {
        global.setServers(List.of(new ComfyServer("gpu-1", "http://gpu-1:8188/")));
        TestJenkins.TestJob readOnly = jobGranting(Set.of(Item.READ));
        ComfyRunStep.DescriptorImpl step = new ComfyRunStep.DescriptorImpl();
        assertThat(step.doFillServerItems(readOnly, "")).isEmpty();
        assertThat(step.doCheckServerUrl(readOnly, "not a url").kind).isEqualTo(FormValidation.Kind.OK);
        assertThat(step.doCheckCredentialsId(readOnly, "nope").kind).isEqualTo(FormValidation.Kind.OK);
        assertThat(step.doCheckOutputDir(readOnly, "../x").kind).isEqualTo(FormValidation.Kind.OK);

        TestJenkins.TestJob configurable = jobGranting(Set.of(Item.READ, Item.CONFIGURE, Item.EXTENDED_READ));
        assertThat(step.doFillServerItems(configurable, "")).extracting(o -> o.value).contains("gpu-1");
        assertThat(step.doCheckOutputDir(configurable, "../x").kind).isEqualTo(FormValidation.Kind.ERROR);
        assertThat(step.doCheckOutputDir(configurable, "out").kind).isEqualTo(FormValidation.Kind.OK);
    }

    /** Only the kinds the step can use pass the check; another kind with that id is named as such. */
    @Test
    void credentialsCheckAcceptsOnlySecretTextAndUsernamePassword() {
        TestJenkins.credentials().add(new TestJenkins.UserPassword("user-pass", "u", "p"));
        TestJenkins.credentials().add(new TestJenkins.OtherKind("ssh-key"));
        ComfyServer.DescriptorImpl d = new ComfyServer.DescriptorImpl();
        assertThat(d.doCheckCredentialsId("comfy-token").kind).isEqualTo(FormValidation.Kind.OK);
        assertThat(d.doCheckCredentialsId("user-pass").kind).isEqualTo(FormValidation.Kind.OK);
        FormValidation other = d.doCheckCredentialsId("ssh-key");
        assertThat(other.kind).isEqualTo(FormValidation.Kind.ERROR);
        assertThat(other.getMessage()).contains("ssh-key").contains("Secret text").contains("Username with password");
        assertThat(d.doFillCredentialsIdItems("")).extracting(o -> o.value).contains("comfy-token", "user-pass").doesNotContain("ssh-key");
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
