package com.cloudbees.plugins.credentials;

import com.cloudbees.plugins.credentials.common.IdCredentials;
import com.cloudbees.plugins.credentials.domains.DomainRequirement;
import hudson.model.Item;
import hudson.model.Run;
import hudson.security.Permission;
import hudson.util.ListBoxModel;
import io.comfyrun.mirror.MirrorJenkins;
import java.util.List;
import org.springframework.security.core.Authentication;

/**
 * Mirror of the static credentials-plugin {@code CredentialsProvider} API the plugin calls. Lookups are answered
 * from {@link MirrorJenkins#addCredentials} (mirror-only); {@link #track} records into {@link MirrorJenkins#tracked()}.
 * The real lookups also apply the run's authentication, USE_ITEM/USE_OWN and domain requirements.
 */
public abstract class CredentialsProvider {
    public static final Permission CREATE = Permission.fromId("com.cloudbees.plugins.credentials.CredentialsProvider.Create");
    public static final Permission VIEW = Permission.fromId("com.cloudbees.plugins.credentials.CredentialsProvider.View");
    public static final Permission USE_ITEM = Permission.fromId("com.cloudbees.plugins.credentials.CredentialsProvider.UseItem");
    public static final Permission USE_OWN = Permission.fromId("com.cloudbees.plugins.credentials.CredentialsProvider.UseOwn");

    public static <C extends IdCredentials> C findCredentialById(String id, Class<C> type, Run<?, ?> run,
            DomainRequirement... domainRequirements) {
        return findCredentialById(id, type, run, List.of(domainRequirements));
    }

    public static <C extends IdCredentials> C findCredentialById(String id, Class<C> type, Run<?, ?> run,
            List<DomainRequirement> domainRequirements) {
        for (Credentials c : MirrorJenkins.credentials()) {
            if (type.isInstance(c) && type.cast(c).getId().equals(id)) {
                return type.cast(c);
            }
        }
        return null;
    }

    public static <C extends Credentials> C track(Run build, C credentials) {
        if (credentials != null) {
            MirrorJenkins.tracked().add(credentials);
        }
        return credentials;
    }

    /** A null item means the Jenkins root, as in the real one. */
    public static <C extends Credentials> List<C> lookupCredentialsInItem(Class<C> type, Item item,
            Authentication authentication, List<DomainRequirement> domainRequirements) {
        return MirrorJenkins.credentials().stream().filter(type::isInstance).map(type::cast).toList();
    }

    public static <C extends IdCredentials> ListBoxModel listCredentialsInItem(Class<C> type, Item item,
            Authentication authentication, List<DomainRequirement> domainRequirements, CredentialsMatcher matcher) {
        ListBoxModel result = new ListBoxModel();
        for (Credentials c : MirrorJenkins.credentials()) {
            if (type.isInstance(c) && matcher.matches(c)) {
                result.add(type.cast(c).getId(), type.cast(c).getId());
            }
        }
        return result;
    }
}
