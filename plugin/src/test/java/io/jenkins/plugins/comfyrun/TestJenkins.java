package io.jenkins.plugins.comfyrun;

import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import hudson.model.Descriptor;
import hudson.model.Job;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.util.Secret;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.jenkinsci.plugins.plaincredentials.StringCredentials;

/** Test doubles of Jenkins model objects, built on the mirror (which tests may subclass). */
final class TestJenkins {
    private TestJenkins() {
    }

    /** A fresh mirror "Jenkins" with the plugin's extensions registered; returns the global configuration. */
    @SuppressWarnings({"rawtypes", "deprecation"})
    static ComfyGlobalConfiguration reset() {
        jenkins.model.Jenkins j = jenkins.model.Jenkins.get();
        j.setAuthorizationStrategy(hudson.security.AuthorizationStrategy.UNSECURED);
        // what the @Extension index gives a real Jenkins: the plugin's descriptors and its global configuration
        hudson.ExtensionList<Descriptor> descriptors = j.getExtensionList(Descriptor.class);
        hudson.ExtensionList<ComfyGlobalConfiguration> globals = j.getExtensionList(ComfyGlobalConfiguration.class);
        new java.util.ArrayList<>(descriptors).forEach(descriptors::remove);
        new java.util.ArrayList<>(globals).forEach(globals::remove);
        SavedInMemory global = new SavedInMemory();
        descriptors.add(new ComfyRunStep.DescriptorImpl());
        descriptors.add(new ComfyServer.DescriptorImpl());
        descriptors.add(global);
        globals.add(global);
        // the credentials side: one provider (like the system store), the descriptors of the credentials kinds the
        // tests use (a provider offers a type only when such a descriptor is registered) and a use listener;
        // tracking as in a Jenkins started with -DCredentialsProvider.fingerprintEnabled=false
        clear(j.getExtensionList(com.cloudbees.plugins.credentials.CredentialsProvider.class));
        clear(j.getExtensionList(com.cloudbees.plugins.credentials.CredentialsDescriptor.class));
        clear(j.getExtensionList(com.cloudbees.plugins.credentials.CredentialsUseListener.class));
        provider = new TestCredentialsProvider();
        uses = new UseRecorder();
        j.getExtensionList(com.cloudbees.plugins.credentials.CredentialsProvider.class).add(provider);
        for (Class<? extends com.cloudbees.plugins.credentials.Credentials> kind : java.util.List.of(SecretText.class, UserPassword.class, OtherKind.class)) {
            j.getExtensionList(com.cloudbees.plugins.credentials.CredentialsDescriptor.class).add(new KindDescriptor(kind));
        }
        j.getExtensionList(com.cloudbees.plugins.credentials.CredentialsUseListener.class).add(uses);
        com.cloudbees.plugins.credentials.FingerprintSwitch.set(false);
        return global;
    }

    @SuppressWarnings("deprecation")
    private static <T> void clear(hudson.ExtensionList<T> list) {
        new java.util.ArrayList<>(list).forEach(list::remove);
    }

    private static volatile TestCredentialsProvider provider;
    private static volatile UseRecorder uses;

    /** The credentials provider registered by the last {@link #reset()}: tests add credentials to it. */
    static TestCredentialsProvider credentials() {
        return provider;
    }

    /** The credentials uses (CredentialsProvider.track) fired to the listener since the last {@link #reset()}. */
    static java.util.List<com.cloudbees.plugins.credentials.Credentials> used() {
        return uses.used;
    }

    /** A CredentialsUseListener extension recording each use by a run. */
    static final class UseRecorder implements com.cloudbees.plugins.credentials.CredentialsUseListener {
        final java.util.List<com.cloudbees.plugins.credentials.Credentials> used = new java.util.concurrent.CopyOnWriteArrayList<>();
        final java.util.List<org.springframework.security.core.Authentication> as = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void onUse(com.cloudbees.plugins.credentials.Credentials c, Run run) {
            used.add(c);
            as.add(jenkins.model.Jenkins.getAuthentication2());
        }

        @Override
        public void onUse(com.cloudbees.plugins.credentials.Credentials c, hudson.model.Item item) {
            used.add(c);
        }
    }

    /** The descriptor of a credentials kind, as each real credentials implementation registers one. */
    static final class KindDescriptor extends com.cloudbees.plugins.credentials.CredentialsDescriptor {
        KindDescriptor(Class<? extends com.cloudbees.plugins.credentials.Credentials> kind) {
            super(kind);
        }
    }

    /** The root of the item tree, as Jenkins itself is for a top-level job (its full name is ""). */
    static final hudson.model.ItemGroup<TestJob> ROOT = new hudson.model.ItemGroup<>() {
        @Override
        public String getFullName() {
            return "";
        }

        @Override
        public String getDisplayName() {
            return "Jenkins";
        }
    };

    /** The global configuration of a Jenkins whose JENKINS_HOME is not written (Descriptor.save writes XML there). */
    static final class SavedInMemory extends ComfyGlobalConfiguration {
        private int saves;
        private String saved = "(never saved)";

        @Override
        public synchronized void save() {
            saves++;
            saved = describe();
        }

        /** What the last save would have written: servers, pools with members, default server, serverUrl switch. */
        synchronized String lastSaved() {
            return saved;
        }

        String describe() {
            return "servers=" + getServers().stream().map(ComfyServer::getName).toList()
                    + " pools=" + getPools().stream().map(p -> p.getName() + p.getMembers().stream().map(ComfyServerPool.Member::getServer).toList()).toList()
                    + " default=" + getDefaultServer() + " allowServerUrl=" + isAllowServerUrl();
        }

        synchronized int saves() {
            return saves;
        }
    }

    /** An authorization strategy whose every ACL is the given one (a matrix that grants nothing, for instance). */
    static final class OneAclStrategy extends hudson.security.AuthorizationStrategy {
        private final hudson.security.ACL acl;

        OneAclStrategy(hudson.security.ACL acl) {
            this.acl = acl;
        }

        @Override
        public hudson.security.ACL getRootACL() {
            return acl;
        }
    }

    static class TestJob extends Job<TestJob, TestRun> {
        TestJob(String name) {
            super(ROOT, name);
        }
    }

    static final class TestRun extends Run<TestJob, TestRun> {
        private volatile boolean building = true;

        TestRun(TestJob job) throws IOException {
            super(job);
        }

        private final java.util.concurrent.atomic.AtomicInteger saves = new java.util.concurrent.atomic.AtomicInteger();

        /** Real Run.getNumber: the build number; the only build of its job here. */
        @Override
        public int getNumber() {
            return 1;
        }

        /** Real Run.save writes build.xml: here it only counts, so tests see that the build page state was saved. */
        @Override
        public synchronized void save() {
            saves.incrementAndGet();
        }

        int saves() {
            return saves.get();
        }

        /** Real Run.isBuilding: true until the build is over (here: until the test says so). */
        @Override
        public boolean isBuilding() {
            return building;
        }

        void building(boolean stillBuilding) {
            this.building = stillBuilding;
        }

        static TestRun create(String jobName) {
            try {
                return new TestRun(new TestJob(jobName));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
    }

    /** A build log in memory. */
    static final class BufferListener implements TaskListener {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        @Override
        public PrintStream getLogger() {
            return out;
        }

        String text() {
            synchronized (bytes) {
                return bytes.toString(StandardCharsets.UTF_8);
            }
        }

        private static final long serialVersionUID = 1L;
    }

    static final class SecretText implements StringCredentials {
        private final String id;
        private final Secret secret;

        SecretText(String id, String secret) {
            this.id = id;
            this.secret = Secret.fromString(secret);
        }

        @Override
        public Secret getSecret() {
            return secret;
        }

        @Override
        public String getId() {
            return id;
        }

        @Override
        public String getDescription() {
            return "test secret text";
        }

        @Override
        public CredentialsScope getScope() {
            return CredentialsScope.GLOBAL;
        }

        @Override
        public Descriptor<com.cloudbees.plugins.credentials.Credentials> getDescriptor() {
            return null;
        }

        private static final long serialVersionUID = 1L;
    }

    /** A kind comfyRun cannot use (an SSH key, a certificate...): a StandardCredentials that is neither supported kind. */
    static final class OtherKind implements com.cloudbees.plugins.credentials.common.StandardCredentials {
        private final String id;

        OtherKind(String id) {
            this.id = id;
        }

        @Override
        public String getId() {
            return id;
        }

        @Override
        public String getDescription() {
            return "another kind";
        }

        @Override
        public CredentialsScope getScope() {
            return CredentialsScope.GLOBAL;
        }

        @Override
        public Descriptor<com.cloudbees.plugins.credentials.Credentials> getDescriptor() {
            return null;
        }

        private static final long serialVersionUID = 1L;
    }

    static final class UserPassword implements StandardUsernamePasswordCredentials {
        private final String id;
        private final String user;
        private final Secret password;

        UserPassword(String id, String user, String password) {
            this.id = id;
            this.user = user;
            this.password = Secret.fromString(password);
        }

        @Override
        public String getUsername() {
            return user;
        }

        @Override
        public Secret getPassword() {
            return password;
        }

        @Override
        public String getId() {
            return id;
        }

        @Override
        public String getDescription() {
            return "test user/password";
        }

        @Override
        public CredentialsScope getScope() {
            return CredentialsScope.GLOBAL;
        }

        @Override
        public Descriptor<com.cloudbees.plugins.credentials.Credentials> getDescriptor() {
            return null;
        }

        private static final long serialVersionUID = 1L;
    }
}
