using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Tests.Encoders;

/// <summary>The seq2seq decoder's three forms against teacher forcing, causality, cross-attention and checkpoints (float64).</summary>
public sealed class Seq2SeqModelTests
{
    const double Tolerance = 1e-10;

    static double MaxDifference(Tensor a, Tensor b) => a.sub(b).abs().max().item<double>();

    [Theory]
    [MemberData(nameof(EncoderCatalog.Seq2SeqNames), MemberType = typeof(EncoderCatalog))]
    public void Prefill_step_and_verify_agree_with_teacher_forcing(string name)
    {
        using var scope = NewDisposeScope();
        using var model = EncoderCatalog.CreateSeq2Seq(name);
        var source = EncoderCatalog.Tokens(2, 11, seed: 3);
        var target = EncoderCatalog.Tokens(2, 9, seed: 5);
        var expected = model.Forward(source, target);
        using var memory = model.Encode(source);

        using (var state = model.CreateState(memory))
            MaxDifference(model.Prefill(target, state), expected).Should().BeLessThan(Tolerance, "prefill");

        using (var state = model.CreateState(memory))
        {
            for (int t = 0; t < 9; t++)
                MaxDifference(model.Step(target.narrow(1, t, 1), state), expected.narrow(1, t, 1)).Should().BeLessThan(Tolerance, $"step {t}");
            state.Positions.Should().Equal(9, 9);
        }

        using (var state = model.CreateState(memory))
        {
            model.Prefill(target.narrow(1, 0, 2), state);
            var (logits, pending) = model.Verify(target.narrow(1, 2, 4), state);
            using (pending)
            {
                MaxDifference(logits, expected.narrow(1, 2, 4)).Should().BeLessThan(Tolerance, "verify");
                model.Commit(state, pending, [4, 4]);
            }
            MaxDifference(model.Prefill(target.narrow(1, 6, 3), state), expected.narrow(1, 6, 3)).Should().BeLessThan(Tolerance, "after commit");
        }
    }

    [Theory]
    [MemberData(nameof(EncoderCatalog.Seq2SeqNames), MemberType = typeof(EncoderCatalog))]
    public void Rows_may_commit_different_counts(string name)
    {
        using var scope = NewDisposeScope();
        using var model = EncoderCatalog.CreateSeq2Seq(name);
        var source = EncoderCatalog.Tokens(2, 8, seed: 6);
        var target = EncoderCatalog.Tokens(2, 10, seed: 7);
        using var memory = model.Encode(source);
        using var state = model.CreateState(memory);
        model.Prefill(target.narrow(1, 0, 3), state);
        var (_, pending) = model.Verify(target.narrow(1, 3, 4), state);
        using (pending) model.Commit(state, pending, [1, 3]);
        state.Positions.Should().Equal(4, 6);
        // Each row continues from its own position: row 0 with tokens 4.., row 1 with tokens 6...
        for (int b = 0; b < 2; b++)
        {
            long next = state.Positions[b];
            var expected = model.Forward(source.narrow(0, b, 1), target.narrow(0, b, 1).narrow(1, 0, next + 1)).narrow(1, next, 1);
            var tokens = stack([target[0, state.Positions[0]], target[1, state.Positions[1]]]).unsqueeze(1);
            if (b == 0)
            {
                var (logits, check) = model.Verify(tokens, state);
                using (check) MaxDifference(logits.narrow(0, 0, 1), expected).Should().BeLessThan(Tolerance);
            }
            else
            {
                var logits = model.Step(tokens, state);
                MaxDifference(logits.narrow(0, 1, 1), expected).Should().BeLessThan(Tolerance);
            }
        }
    }

    [Theory]
    [MemberData(nameof(EncoderCatalog.Seq2SeqNames), MemberType = typeof(EncoderCatalog))]
    public void The_decoder_never_reads_a_later_target_token_but_reads_every_source_token(string name)
    {
        using var scope = NewDisposeScope();
        using var model = EncoderCatalog.CreateSeq2Seq(name);
        var source = EncoderCatalog.Tokens(2, 10, seed: 8);
        var target = EncoderCatalog.Tokens(2, 8, seed: 9);
        var logits = model.Forward(source, target);
        var later = target.clone();
        later[.., 5] = (target[.., 5] + 1).remainder(EncoderCatalog.VocabSize);
        var changed = model.Forward(source, later);
        changed.narrow(1, 0, 5).Equals(logits.narrow(1, 0, 5)).Should().BeTrue("logits before position 5 are bit-identical");
        MaxDifference(changed.narrow(1, 5, 1), logits.narrow(1, 5, 1)).Should().BeGreaterThan(1e-6);
        // The last source token reaches the first target position: cross-attention reads the whole source.
        var lastSource = source.clone();
        lastSource[.., 9] = (source[.., 9] + 1).remainder(EncoderCatalog.VocabSize);
        MaxDifference(model.Forward(lastSource, target).narrow(1, 0, 1), logits.narrow(1, 0, 1)).Should().BeGreaterThan(1e-6);
    }

    [Theory]
    [MemberData(nameof(EncoderCatalog.Seq2SeqNames), MemberType = typeof(EncoderCatalog))]
    public void A_padded_source_decodes_as_the_unpadded_one(string name)
    {
        using var scope = NewDisposeScope();
        using var model = EncoderCatalog.CreateSeq2Seq(name);
        var source = EncoderCatalog.Tokens(2, 9, seed: 10);
        var target = EncoderCatalog.Tokens(2, 5, seed: 11);
        var lengths = tensor(new long[] { 9, 4 });
        var padded = model.Forward(source, target, lengths);
        var alone = model.Forward(source.narrow(0, 1, 1).narrow(1, 0, 4), target.narrow(0, 1, 1));
        MaxDifference(padded.narrow(0, 1, 1), alone).Should().BeLessThan(Tolerance);
        using var memory = model.Encode(source, lengths);
        memory.SourceLengths.Should().Equal(9, 4);
        using var state = model.CreateState(memory);
        MaxDifference(model.Prefill(target, state), padded).Should().BeLessThan(Tolerance);
    }

    [Fact]
    public void The_memory_outlives_the_dispose_scope_it_was_encoded_in()
    {
        using var model = EncoderCatalog.CreateSeq2Seq("softmax-cross");
        using var source = EncoderCatalog.Tokens(1, 5);
        using var target = EncoderCatalog.Tokens(1, 1);
        EncoderMemory memory;
        using (var inner = NewDisposeScope()) memory = model.Encode(source);
        using (memory)
        {
            using var state = model.CreateState(memory);
            using var scope = NewDisposeScope();
            MaxDifference(model.Step(target, state), model.Forward(source, target)).Should().BeLessThan(Tolerance);
        }
    }

    [Fact]
    public void Linear_cross_attention_memory_does_not_grow_with_the_source()
    {
        using var scope = NewDisposeScope();
        using var model = EncoderCatalog.CreateSeq2Seq("linear-cross");
        using var shortMemory = model.Encode(EncoderCatalog.Tokens(1, 4));
        using var longMemory = model.Encode(EncoderCatalog.Tokens(1, 60));
        longMemory.Bytes.Should().Be(shortMemory.Bytes);
        using var softmax = EncoderCatalog.CreateSeq2Seq("softmax-cross");
        using var softShort = softmax.Encode(EncoderCatalog.Tokens(1, 4));
        using var softLong = softmax.Encode(EncoderCatalog.Tokens(1, 60));
        softLong.Bytes.Should().Be(softShort.Bytes * 15);
    }

    [Theory]
    [InlineData("linear-cross")]
    [InlineData("softmax-cross")]
    public void A_thousand_steps_leave_no_tensor_behind(string name)
    {
        using var model = EncoderCatalog.CreateSeq2Seq(name);
        using var source = EncoderCatalog.Tokens(2, 6);
        using var token = EncoderCatalog.Tokens(2, 1);
        using var memory = model.Encode(source);
        using var state = model.CreateState(memory);
        using (model.Step(token, state)) { }
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 1000; i++)
        {
            using var logits = model.Step(token, state);
        }
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
        state.Positions.Should().Equal(1001, 1001);
    }

    [Theory]
    [MemberData(nameof(EncoderCatalog.Seq2SeqNames), MemberType = typeof(EncoderCatalog))]
    public void Save_and_load_round_trip_bit_exactly(string name)
    {
        using var scope = NewDisposeScope();
        using var model = EncoderCatalog.CreateSeq2Seq(name);
        string directory = Path.Combine(Path.GetTempPath(), "lineardsl-seq2seq-" + Guid.NewGuid().ToString("N"));
        try
        {
            Checkpoint.Save(model, directory);
            using var loaded = Checkpoint.LoadSeq2Seq(directory);
            loaded.Config.Should().Be(model.Config);
            loaded.state_dict().Keys.Should().Contain("decoder.layers.1.cross_attn.q_proj.weight").And.Contain("encoder.layers.1.self_attn.qkv_proj.weight").And.Contain("decoder.norm.weight");
            var source = EncoderCatalog.Tokens(2, 7);
            var target = EncoderCatalog.Tokens(2, 4, seed: 2);
            loaded.Forward(source, target).Equals(model.Forward(source, target)).Should().BeTrue();
            var asCausal = () => Checkpoint.Load(directory);
            asCausal.Should().Throw<InvalidDataException>().WithMessage("*describes a seq2seq model; load it with Checkpoint.LoadSeq2Seq.");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_state_of_another_batch_or_memory_of_another_model_is_refused()
    {
        using var scope = NewDisposeScope();
        using var model = EncoderCatalog.CreateSeq2Seq("softmax-cross");
        using var other = EncoderCatalog.CreateSeq2Seq("linear-cross");
        using var memory = other.Encode(EncoderCatalog.Tokens(1, 3));
        var create = () => model.CreateState(memory);
        create.Should().Throw<ArgumentException>().WithMessage("This memory was encoded by a different model*");
        using var own = model.Encode(EncoderCatalog.Tokens(2, 3));
        using var state = model.CreateState(own);
        var step = () => model.Step(EncoderCatalog.Tokens(1, 1), state);
        step.Should().Throw<ArgumentException>().WithMessage("Step: tokens have batch 1 but the state was created for batch 2*");
    }
}
