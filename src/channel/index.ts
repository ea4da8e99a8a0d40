/** The channel module's front door: sales channels and their inventory policy. */
export { registerChannelRoutes } from './channel.routes.js';
export { Channel, ChannelInput } from './channel.js';
export { findChannel } from './channel.repository.js';
export { createChannel } from './save-channel.js';
