package io.jenkins.plugins.comfyrun;

import com.cloudbees.plugins.credentials.Credentials;
import com.cloudbees.plugins.credentials.CredentialsMatcher;
import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.IdCredentials;
import com.cloudbees.plugins.credentials.domains.DomainRequirement;
import hudson.model.Item;
import hudson.model.ItemGroup;
import hudson.security.ACL;
import hudson.util.ListBoxModel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.security.core.Authentication;

/**
 * A credentials provider double shaped like Jenkins' system store: its credentials are visible in every item group,
 * to SYSTEM2 only (as the system provider gives them), and its options are named by id (real providers name them
 * through CredentialsNameProvider, which the mirror does not reproduce; the plugin reads only the values).
 * {@link TestJenkins#reset()} registers a fresh one in the extension list, as the {@code @Extension} index would.
 */
final class TestCredentialsProvider extends CredentialsProvider {
    private final List<Credentials> credentials = new CopyOnWriteArrayList<>();

    void add(Credentials c) {
        credentials.add(c);
    }

    @Override
    public <C extends Credentials> List<C> getCredentialsInItemGroup(Class<C> type, ItemGroup itemGroup,
            Authentication authentication, List<DomainRequirement> domainRequirements) {
        if (!ACL.SYSTEM2.equals(authentication)) {
            return List.of();
        }
        return credentials.stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Override
    public <C extends IdCredentials> ListBoxModel getCredentialIdsInItemGroup(Class<C> type, ItemGroup itemGroup,
            Authentication authentication, List<DomainRequirement> domainRequirements, CredentialsMatcher matcher) {
        return byId(getCredentialsInItemGroup(type, itemGroup, authentication, domainRequirements), matcher);
    }

    @Override
    public <C extends IdCredentials> ListBoxModel getCredentialIdsInItem(Class<C> type, Item item,
            Authentication authentication, List<DomainRequirement> domainRequirements, CredentialsMatcher matcher) {
        return byId(getCredentialsInItem(type, item, authentication, domainRequirements), matcher);
    }

    private static <C extends IdCredentials> ListBoxModel byId(List<C> found, CredentialsMatcher matcher) {
        ListBoxModel options = new ListBoxModel();
        found.stream().filter(matcher::matches).forEach(c -> options.add(c.getId(), c.getId()));
        return options;
    }
}
