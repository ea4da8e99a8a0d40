/** Sends an e-mail over SMTP (nodemailer), configured by one URL: smtp://user:password@host:port or smtps://… */
import nodemailer from 'nodemailer';

export interface Mail { to: string; subject: string; text: string; language: string }

export interface Mailer {
  send(mail: Mail): Promise<{ messageId: string }>;
  close(): void;
}

export function smtpMailer(url: string, from: string): Mailer {
  const transport = nodemailer.createTransport(url);
  return {
    async send(mail) {
      const info = await transport.sendMail({
        from, to: mail.to, subject: mail.subject, text: mail.text, headers: { 'Content-Language': mail.language },
      }) as { messageId: string };
      return { messageId: info.messageId };
    },
    close: () => transport.close(),
  };
}
