/** Sign in once, online; the session then works offline. */
import { h, render, toast } from "../ui.js";

export async function show(ctx) {
  const user = h("input", { id: "username", name: "username", autocomplete: "username", required: true,
    autocapitalize: "off" });
  const pass = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password",
    required: true });
  const submit = h("button", { class: "primary block", type: "submit" }, "登录");
  const form = h("form", { onsubmit: async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      const answer = await ctx.api.login(user.value.trim(), pass.value);
      await ctx.signedIn({ token: answer.token, user: answer.user, at: Date.now(),
        must_change_password: answer.must_change_password === true });
    } catch (err) {
      toast(err?.name === "NetworkError" ? "无法连接服务器：首次登录需要联网" : (err?.message || "登录失败"), "error");
    } finally {
      submit.disabled = false;
    }
  } },
  h("label", { for: "username" }, "用户名"), user,
  h("label", { for: "password" }, "密码"), pass, submit);
  render(h("h1", {}, "登录"), h("p", { class: "muted" }, "明桦街道创建全国文明城市督导检查"), form);
}
