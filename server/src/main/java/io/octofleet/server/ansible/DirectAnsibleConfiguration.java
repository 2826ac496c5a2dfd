package io.octofleet.server.ansible;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * {@code octofleet.ansible.direct.*}: direct-mode Ansible, run by the server over SSH (docs/ansible.md).
 *
 * @param hostKeyChecking whether SSH checks the targets' host keys against the server user's known_hosts
 *     ({@code ANSIBLE_HOST_KEY_CHECKING}); turn off only knowingly
 * @param sshPrivateKeyFile a key every direct run may use (ansible-runner loads it into an ssh-agent); a node's
 *     {@code ansible_ssh_private_key_file} parameter still wins for that node
 * @param keepArtifacts keep each call's private data dir (inventory with secrets, events) for debugging
 * @param maxConcurrentCalls how many ansible-runner processes run at once; more calls wait for a slot
 */
@ConfigurationProperties("octofleet.ansible.direct")
public record DirectAnsibleConfiguration(@Bindable(defaultValue = "true") boolean hostKeyChecking,
                                         @Nullable String sshPrivateKeyFile,
                                         @Bindable(defaultValue = "false") boolean keepArtifacts,
                                         @Bindable(defaultValue = "4") int maxConcurrentCalls) {
}
