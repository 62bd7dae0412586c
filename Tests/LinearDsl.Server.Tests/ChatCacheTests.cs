using System.Text.Json;
using LinearDsl.Runtime.Hosting;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using Microsoft.Extensions.AI;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Server.Tests;

/// <summary>
/// A chat whose replies end at a turn marker, the way a model trained on the chat template ends them: every follow-up
/// turn must continue the conversation cached at the end of the previous reply.
/// </summary>
public sealed class ChatCacheTests
{
    const int Context = 1024;

    /// <summary>
    /// A model whose next token depends on the position alone, set by <see cref="Script"/>: the token embedding and every
    /// block's output projections are zero, the learned position table is the identity, so the output head's column p
    /// is the logits after position p.
    /// </summary>
    static CausalLanguageModel Scripted()
    {
        var config = new ModelConfig
        {
            VocabSize = TestModels.Vocab,
            Width = Context,
            Layers = 1,
            ContextLength = Context,
            MlpHidden = 8,
            Positions = PositionKind.Learned,
            Mixer = MixerSpec.AugmentedLinear(2, new AugmentedLinearAttentionOptions { GroupSize = 4, ConvTaps = 3 }),
        };
        var model = ModelFactory.Create(config, 1, ScalarType.Float64);
        using var _ = no_grad();
        int zeroed = 0;
        foreach (var (name, p) in model.named_parameters())
        {
            if (name.EndsWith("o_proj.weight", StringComparison.Ordinal) || name.EndsWith("down_proj.weight", StringComparison.Ordinal)
                || name == "model.embed_tokens.weight" || name == "lm_head.weight")
            {
                p.zero_();
                zeroed++;
            }
            if (name == "model.embed_positions.weight") p.copy_(eye(Context, dtype: ScalarType.Float64));
        }
        zeroed.Should().Be(4);
        return model;
    }

    /// <summary>After position start - 1 + i the model prefers <paramref name="text"/>[i].</summary>
    static void Script(CausalLanguageModel model, int start, string text)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var head = model.OutputHead!.weight!;
        for (int i = 0; i < text.Length; i++)
        {
            int position = start - 1 + i;
            head[TensorIndex.Colon, position] = zeros(TestModels.Vocab, dtype: ScalarType.Float64);
            head[text[i], position] = tensor(10.0);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_ten_turn_chat_whose_replies_end_at_the_turn_marker_hits_the_cache_every_turn(bool speculative)
    {
        var model = Scripted();
        await using var server = await TestServer.StartAsync(speculative, target: _ => model);
        var messages = new List<ChatMessage> { new(ChatRole.User, "Hello") };
        int cachedLength = 0;
        for (int turn = 0; turn < 10; turn++)
        {
            string prompt = ChatPromptTemplate.Render(messages);
            // The reply, the template's next turn marker, and what a model goes on to say after it.
            Script(model, prompt.Length, $"Hi {turn}\n<|user|>\nmore text that must not be fed");
            var json = JsonSerializer.Serialize(new
            {
                model = TestServer.Model,
                messages = messages.Select(m => new { role = m.Role.Value, content = m.Text }),
                max_tokens = 40,
                temperature = 0,
            });
            var (status, body) = await server.PostAsync("/v1/chat/completions", json);
            status.Should().Be(200, body.ToString());
            var choice = body.GetProperty("choices")[0];
            string reply = choice.GetProperty("message").GetProperty("content").GetString()!;
            int reused = body.GetProperty("lineardsl").GetProperty("reused_prompt_tokens").GetInt32();
            // The cached state holds the previous prompt, its reply and the turn marker but its last token (chosen, not fed).
            if (turn > 0) reused.Should().Be(cachedLength, $"turn {turn} continues the conversation cached at the end of the previous reply");
            reply.Should().Be($"Hi {turn}", "the reply ends before the template's newline and the turn marker");
            choice.GetProperty("finish_reason").GetString().Should().Be("stop");
            cachedLength = prompt.Length + $"Hi {turn}\n<|user|".Length;
            messages.Add(new ChatMessage(ChatRole.Assistant, reply));
            messages.Add(new ChatMessage(ChatRole.User, $"Question {turn}"));
        }
    }
}
