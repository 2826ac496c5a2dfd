package io.octofleet.agent.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

@EnabledOnOs({OS.LINUX, OS.MAC})
class CommandRunnerTest {

    private final CommandRunner runner = new CommandRunner();

    @Test
    void reportsMissingProgramAsNoResult() {
        assertThat(runner.run(List.of("octofleet-no-such-program"), Duration.ofSeconds(5))).isEmpty();
    }

    @Test
    void killsProgramThatRunsPastItsTimeout() {
        long start = System.nanoTime();

        Optional<CommandRunner.Result> result = runner.run(List.of("sleep", "30"), Duration.ofMillis(300));

        assertThat(result).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void readsOutputLargerThanThePipeBuffer() {
        Optional<CommandRunner.Result> result = runner.run(List.of("seq", "1", "200000"), Duration.ofSeconds(20));

        assertThat(result).isPresent();
        assertThat(result.get().exitCode()).isZero();
        assertThat(result.get().stdout().lines()).hasSize(200000).endsWith("200000");
    }

    @Test
    void returnsExitCodeOfFailingProgram() {
        assertThat(runner.run(List.of("sh", "-c", "echo none; exit 1"), Duration.ofSeconds(5)))
                .contains(new CommandRunner.Result(1, "none\n"));
    }
}
