package com.cloudbees.plugins.credentials.common;

import com.cloudbees.plugins.credentials.CredentialsMatcher;
import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.domains.DomainRequirement;
import hudson.model.Item;
import hudson.util.ListBoxModel;
import java.util.List;
import org.springframework.security.core.Authentication;

/**
 * Mirror of credentials-plugin {@code AbstractIdCredentialsListBoxModel} (members the plugin uses). The real class
 * also has ItemGroup overloads, so plugin code passing a null context must cast it: {@code (Item) null}.
 */
public abstract class AbstractIdCredentialsListBoxModel<T extends AbstractIdCredentialsListBoxModel<T, C>, C extends IdCredentials>
        extends ListBoxModel {
    protected abstract String describe(C c);

    public AbstractIdCredentialsListBoxModel<T, C> includeEmptyValue() {
        for (Option a : this) {
            if ("".equals(a.value)) {
                return this;
            }
        }
        add(0, new Option("- none -", ""));
        return this;
    }

    public AbstractIdCredentialsListBoxModel<T, C> includeCurrentValue(String value) {
        for (Option a : this) {
            if (a.value != null && a.value.equals(value)) {
                return this;
            }
        }
        if (value != null && !value.isEmpty()) {
            add(new Option("- current -", value));
        }
        return this;
    }

    public AbstractIdCredentialsListBoxModel<T, C> includeMatchingAs(Authentication authentication, Item context,
            Class<? extends C> type, List<DomainRequirement> domainRequirements, CredentialsMatcher matcher) {
        addAll(CredentialsProvider.listCredentialsInItem(type, context, authentication, domainRequirements, matcher));
        return this;
    }
}
