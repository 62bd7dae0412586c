namespace LinearDsl.Python.Tests;

/// <summary>Without a Python that imports torch the parity tests fail, saying how to install it; they are never skipped.</summary>
public sealed class PythonTorchTests
{
    [Fact]
    public void No_interpreter_with_torch_is_an_error_that_says_how_to_install_it()
    {
        string missing = Path.Combine(Path.GetTempPath(), "no-such-python-" + Guid.NewGuid().ToString("N"));

        var find = () => PythonTorch.Find([missing, "/bin/false"]);

        find.Should().Throw<InvalidOperationException>()
            .WithMessage($"No Python with PyTorch found (tried {missing}, /bin/false)*apt-get install python3-torch python3-numpy*LINEARDSL_PYTHON*");
    }

    [Fact]
    public void The_first_interpreter_that_imports_torch_is_used()
        => PythonTorch.Find(["/bin/false", "/usr/bin/python3"]).Should().Be("/usr/bin/python3");
}
